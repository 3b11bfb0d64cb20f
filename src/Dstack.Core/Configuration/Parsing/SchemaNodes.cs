using System.Text.Json.Nodes;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>Small builders for JSON Schema nodes.</summary>
internal static class SchemaNodes
{
    public static JsonObject AnyOf(params JsonObject[] schemas) => new() { ["anyOf"] = new JsonArray(schemas) };

    public static JsonObject Integer(long minimum, long? maximum = null)
    {
        var schema = new JsonObject { ["type"] = "integer", ["minimum"] = minimum };
        if (maximum is { } max)
        {
            schema["maximum"] = max;
        }

        return schema;
    }

    public static JsonObject Pattern(string pattern) => new() { ["type"] = "string", ["pattern"] = pattern };
}
