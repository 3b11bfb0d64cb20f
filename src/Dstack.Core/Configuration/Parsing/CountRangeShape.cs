using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A count (<c>4</c>) or a count range (<c>4..</c>, <c>2..8</c>, <c>..8</c>) of at least <paramref name="minimum"/>.</summary>
internal sealed partial class CountRangeShape(int minimum, string noun) : Shape<Range<int>>
{
    private string Expected => $"a {noun} count like 4 or a range like 2..8";

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out Range<int> value)
    {
        value = null;
        Range<int> range;
        if (NodeReader.TryInt(node, out var count))
        {
            if (count < minimum || count > int.MaxValue)
            {
                reader.Error(node, path, $"expected a {noun} count of at least {minimum}, found {NodeReader.Describe(node)}");
                return false;
            }

            range = new Range<int>((int)count, (int)count);
        }
        else if (node is YamlScalarNode { Value: { } text } scalar
            && NodeReader.KindOf(scalar) == ScalarKind.String
            && RangeRegex().IsMatch(text))
        {
            try
            {
                range = RangeText.Parse(text, s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture));
            }
            catch (OverflowException)
            {
                reader.TypeError(node, path, Expected);
                return false;
            }
        }
        else
        {
            reader.TypeError(node, path, Expected);
            return false;
        }

        if (!RangeText.Check(reader, range, minimum, v => v.ToString(CultureInfo.InvariantCulture), path, node))
        {
            return false;
        }

        value = range;
        return true;
    }

    public override JsonObject Schema() =>
        SchemaNodes.AnyOf(SchemaNodes.Integer(minimum), SchemaNodes.Pattern(Patterns.CountRangeText));

    /// <summary>Parses count-range text (already matched by <see cref="Patterns.CountRangeText"/>).</summary>
    public static bool IsRange(string text) => RangeRegex().IsMatch(text);

    [GeneratedRegex(Patterns.CountRangeText)]
    private static partial Regex RangeRegex();
}
