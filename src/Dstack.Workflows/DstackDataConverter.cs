using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dstack.Workflows.Contracts;
using Temporalio.Converters;

namespace Dstack.Workflows;

/// <summary>
/// The data converter of every dstack client and worker: Temporal's default (JSON with default options, so payloads are
/// byte for byte what <see cref="DataConverter.Default"/> writes, and either can read the other's), with the payload
/// types' metadata generated at build time (<see cref="PayloadJsonContext"/>). Other types fall back to reflection.
/// </summary>
public static class DstackDataConverter
{
    /// <summary>The converter to put in client options.</summary>
    public static DataConverter Instance { get; } = DataConverter.Default with
    {
        PayloadConverter = new DefaultPayloadConverter(new JsonSerializerOptions
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(PayloadJsonContext.Default, new DefaultJsonTypeInfoResolver()),
        }),
    };
}
