using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// A positive duration: <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1d</c>, <c>1w</c>, or a number of seconds;
/// with <paramref name="allowOff"/>, also <c>off</c> (read as null: no limit).
/// </summary>
internal sealed partial class DurationShape(bool allowOff) : Shape<TimeSpan?>
{
    private string Expected => allowOff ? "a duration like 90s, 30m, 2h or 1d, or off" : "a duration like 90s, 30m, 2h or 1d";

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out TimeSpan? value)
    {
        value = null;
        if (NodeReader.TryInt(node, out var seconds))
        {
            if (seconds <= 0)
            {
                reader.Error(node, path, $"expected a duration greater than 0, found {NodeReader.Describe(node)}");
                return false;
            }

            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        if (node is YamlScalarNode { Value: { } text } scalar && NodeReader.KindOf(scalar) == ScalarKind.String)
        {
            if (allowOff && text == "off")
            {
                return true;
            }

            if (DurationText.TryParse(text, out var duration))
            {
                value = duration;
                return true;
            }

            if (DurationRegex().IsMatch(text))
            {
                reader.Error(node, path, $"expected a duration shorter than {TimeSpan.MaxValue.Days} days, found {NodeReader.Describe(node)}");
                return false;
            }
        }

        reader.TypeError(node, path, Expected);
        return false;
    }

    public override JsonObject Schema()
    {
        var schema = SchemaNodes.AnyOf(SchemaNodes.Integer(1), SchemaNodes.Pattern(Patterns.DurationText));
        if (allowOff)
        {
            schema["anyOf"]!.AsArray().Add(new JsonObject { ["const"] = "off" });
        }

        return schema;
    }

    [GeneratedRegex(Patterns.DurationText)]
    private static partial Regex DurationRegex();
}
