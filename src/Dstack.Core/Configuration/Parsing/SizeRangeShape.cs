using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A size (<c>64GB</c>) or a size range (<c>16GB..64GB</c>, <c>8GB..</c>, <c>..1TB</c>).</summary>
internal sealed partial class SizeRangeShape : Shape<Range<MemorySize>>
{
    private const string Expected = "a size like 64GB or a range like 16GB..64GB";

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out Range<MemorySize> value)
    {
        value = null;
        if (node is not YamlScalarNode { Value: { } text } scalar || NodeReader.KindOf(scalar) != ScalarKind.String
            || !TryParse(text, out var range))
        {
            reader.TypeError(node, path, Expected);
            return false;
        }

        if (!RangeText.Check(reader, range, new MemorySize(1), _ => "1MB", path, node))
        {
            return false;
        }

        value = range;
        return true;
    }

    public override JsonObject Schema() => SchemaNodes.Pattern(Patterns.SizeRangeText);

    /// <summary>Parses size-range text; false when it is not one.</summary>
    public static bool TryParse(string text, [MaybeNullWhen(false)] out Range<MemorySize> range)
    {
        range = null;
        if (!RangeRegex().IsMatch(text))
        {
            return false;
        }

        try
        {
            range = RangeText.Parse(text, MemorySize.Parse);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(Patterns.SizeRangeText)]
    private static partial Regex RangeRegex();
}
