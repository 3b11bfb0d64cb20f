using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Visibility;

/// <summary>Converts search attribute payloads (json/plain with a "type" metadata entry) to and from typed values.</summary>
internal static class SearchAttributeValues
{
    private static readonly ByteString JsonPlain = ByteString.CopyFromUtf8("json/plain");

    /// <summary>Gets the name the SDKs expect in the payload's "type" metadata.</summary>
    public static string TypeName(IndexedValueType type) => type switch
    {
        IndexedValueType.Text => "Text",
        IndexedValueType.Keyword => "Keyword",
        IndexedValueType.Int => "Int",
        IndexedValueType.Double => "Double",
        IndexedValueType.Bool => "Bool",
        IndexedValueType.Datetime => "Datetime",
        IndexedValueType.KeywordList => "KeywordList",
        _ => "Unspecified",
    };

    /// <summary>Parses a type name as used by the Temporal CLI (<c>--search-attribute Name=Keyword</c>).</summary>
    public static IndexedValueType? ParseTypeName(string name) =>
        Enum.GetValues<IndexedValueType>().Where(t => t != IndexedValueType.Unspecified)
            .Select(t => (IndexedValueType?)t)
            .FirstOrDefault(t => string.Equals(TypeName(t!.Value), name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when the payload deletes the attribute on upsert (null, empty list or no data).</summary>
    public static bool IsDeletion(Payload payload)
    {
        var text = payload.Data.ToStringUtf8().Trim();
        return text.Length == 0 || text == "null" || text == "[]";
    }

    /// <summary>Returns the payload with its "type" metadata set to the registered type, as real Temporal returns it.</summary>
    public static Payload WithType(Payload payload, IndexedValueType type)
    {
        var copy = payload.Clone();
        copy.Metadata["type"] = ByteString.CopyFromUtf8(TypeName(type));
        if (!copy.Metadata.ContainsKey("encoding"))
        {
            copy.Metadata["encoding"] = JsonPlain;
        }

        return copy;
    }

    /// <summary>Decodes a payload into the value <see cref="IVisibilityRecord"/> promises, or throws <see cref="FormatException"/>.</summary>
    public static object? Decode(Payload payload, IndexedValueType type)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload.Data.Memory);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return type switch
            {
                IndexedValueType.Keyword or IndexedValueType.Text => SingleOrFirst(root).GetString(),
                IndexedValueType.Int => SingleOrFirst(root).GetInt64(),
                IndexedValueType.Double => SingleOrFirst(root).GetDouble(),
                IndexedValueType.Bool => SingleOrFirst(root).GetBoolean(),
                IndexedValueType.Datetime => DateTimeOffset.Parse(SingleOrFirst(root).GetString() ?? string.Empty, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                IndexedValueType.KeywordList => root.ValueKind == JsonValueKind.Array
                    ? root.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList()
                    : [root.GetString() ?? string.Empty],
                _ => null,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"invalid value for search attribute of type {TypeName(type)}: {Encoding.UTF8.GetString(payload.Data.Span)}", e);
        }
    }

    private static JsonElement SingleOrFirst(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 1 ? element[0] : element;
}
