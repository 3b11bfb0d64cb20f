using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>
/// Proto JSON as Temporal's HTTP API writes it: camelCase names, enums by full name, 64-bit integers as strings,
/// bytes (and so payloads' data) as base64, <c>google.protobuf.Any</c> (error details) with its <c>@type</c>.
/// </summary>
internal static class HttpApiJson
{
    /// <summary>Every message type of the Temporalio package, so an Any of any Temporal type can be written and read.</summary>
    private static readonly TypeRegistry Types = TypeRegistry.FromFiles(SdkFiles());

    public static JsonFormatter Formatter { get; } = new(JsonFormatter.Settings.Default.WithTypeRegistry(Types));

    /// <summary>
    /// Ignores unknown fields, so a UI built against a newer API than the package's descriptors still gets answers for
    /// the fields both know.
    /// </summary>
    public static JsonParser Parser { get; } = new(JsonParser.Settings.Default.WithTypeRegistry(Types).WithIgnoreUnknownFields(true));

    private static FileDescriptor[] SdkFiles() =>
        typeof(Temporalio.Api.WorkflowService.V1.ServiceReflection).Assembly.GetTypes()
            .Where(t => t.IsAbstract && t.IsSealed && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => t.GetProperty("Descriptor")?.GetValue(null))
            .OfType<FileDescriptor>()
            .ToArray();
}
