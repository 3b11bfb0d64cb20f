using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A number greater than zero, read from the scalar's text so that no precision is lost.</summary>
internal sealed class PositiveDecimalShape(string expected) : Shape<decimal>
{
    public override bool TryRead(NodeReader reader, YamlNode node, string path, out decimal value)
    {
        value = 0;
        if (node is YamlScalarNode scalar
            && NodeReader.KindOf(scalar) is ScalarKind.Int or ScalarKind.Float
            && decimal.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            if (value > 0)
            {
                return true;
            }

            reader.Error(node, path, $"expected {expected} greater than 0, found {NodeReader.Describe(node)}");
            return false;
        }

        reader.TypeError(node, path, expected);
        return false;
    }

    public override JsonObject Schema() => new() { ["type"] = "number", ["exclusiveMinimum"] = 0 };
}
