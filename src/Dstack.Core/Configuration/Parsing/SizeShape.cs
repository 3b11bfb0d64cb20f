using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A single size (<c>16GB</c>) greater than zero.</summary>
internal sealed class SizeShape : Shape<MemorySize>
{
    private const string Expected = "a size like 512MB, 64GB or 1TB";

    public override bool TryRead(NodeReader reader, YamlNode node, string path, out MemorySize value)
    {
        value = default;
        if (node is not YamlScalarNode scalar || NodeReader.KindOf(scalar) != ScalarKind.String
            || !MemorySize.TryParse(scalar.Value, out value))
        {
            reader.TypeError(node, path, Expected);
            return false;
        }

        if (value.Bytes <= 0)
        {
            reader.Error(node, path, $"expected a size greater than 0, found {NodeReader.Describe(node)}");
            return false;
        }

        return true;
    }

    public override JsonObject Schema() => SchemaNodes.Pattern(Patterns.SizeText);
}
