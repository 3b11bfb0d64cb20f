using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>
/// Proto JSON as Temporal's HTTP API writes it: camelCase names, enums by full name, 64-bit integers as strings,
/// bytes (and so payloads' data) as base64, <c>google.protobuf.Any</c> (error details) with its <c>@type</c>.
/// </summary>
internal static class HttpApiJson
{
    /// <summary>
    /// The message types of both services' files and of the error details, with every file they import, so an Any in a
    /// response or an error (the details are error-detail messages) can be written and read.
    /// </summary>
    private static readonly TypeRegistry Types = TypeRegistry.FromFiles(
        Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor,
        Temporalio.Api.OperatorService.V1.ServiceReflection.Descriptor,
        Temporalio.Api.ErrorDetails.V1.MessageReflection.Descriptor);

    public static JsonFormatter Formatter { get; } = new(JsonFormatter.Settings.Default.WithTypeRegistry(Types));

    /// <summary>
    /// Ignores unknown fields, so a UI built against a newer API than the package's descriptors still gets answers for
    /// the fields both know.
    /// </summary>
    public static JsonParser Parser { get; } = new(JsonParser.Settings.Default.WithTypeRegistry(Types).WithIgnoreUnknownFields(true));
}
