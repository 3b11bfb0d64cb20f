using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A YAML map with a fixed table of keys, read into a builder and then into a record.</summary>
internal sealed class ObjectShape<TBuilder, T>(
    IReadOnlyList<KeyDefinition<TBuilder>> keys,
    Func<TBuilder> create,
    Func<NodeReader, YamlMappingNode, string, TBuilder, T?> build,
    Action<JsonObject>? extendSchema = null) : Shape<T>
    where T : class
{
    public IReadOnlyList<KeyDefinition<TBuilder>> Keys => keys;

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out T value)
    {
        value = null;
        if (node is not YamlMappingNode map)
        {
            reader.TypeError(node, path, $"a map with keys {string.Join(", ", keys.Select(k => k.Name))}");
            return false;
        }

        var builder = create();
        ObjectReading.Walk(reader, map, path, keys, builder);
        value = build(reader, map, path, builder);
        return value is not null;
    }

    public override JsonObject Schema()
    {
        var properties = new JsonObject();
        foreach (var key in keys)
        {
            properties[key.Name] = key.Schema();
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        var required = keys.Where(k => k.Required).Select(k => (JsonNode?)k.Name).ToArray();
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray(required);
        }

        extendSchema?.Invoke(schema);
        return schema;
    }
}
