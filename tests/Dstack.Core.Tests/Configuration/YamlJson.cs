using System.Globalization;
using System.Text.Json.Nodes;
using Dstack.Core.Configuration.Parsing;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Tests.Configuration;

/// <summary>Converts YAML to JSON nodes (YAML 1.2 core schema) so that a JSON Schema validator can check it.</summary>
internal static class YamlJson
{
    /// <summary>The JSON of the first document; null for an empty file.</summary>
    public static JsonNode? Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? string.Empty, Convert(c.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => NodeReader.KindOf(scalar) switch
        {
            ScalarKind.Null => null,
            ScalarKind.Bool => JsonValue.Create(scalar.Value!.Equals("true", StringComparison.OrdinalIgnoreCase)),
            ScalarKind.Int => JsonValue.Create(long.Parse(scalar.Value!, CultureInfo.InvariantCulture)),
            ScalarKind.Float => JsonValue.Create(decimal.Parse(scalar.Value!, NumberStyles.Float, CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(scalar.Value),
        },
        _ => throw new InvalidOperationException($"Unexpected node {node.NodeType}"),
    };
}
