using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A non-empty string, optionally matching a pattern.</summary>
internal sealed class StringShape(string expected, string? pattern = null) : Shape<string>
{
    private readonly Regex? _regex = pattern is null ? null : new Regex(pattern, RegexOptions.CultureInvariant);

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out string value)
    {
        if (!reader.TryString(node, path, expected, out value))
        {
            return false;
        }

        if (value.Length == 0 || (_regex is not null && !_regex.IsMatch(value)))
        {
            reader.TypeError(node, path, expected);
            return false;
        }

        return true;
    }

    public override JsonObject Schema()
    {
        var schema = new JsonObject { ["type"] = "string", ["minLength"] = 1 };
        if (pattern is not null)
        {
            schema["pattern"] = pattern;
        }

        return schema;
    }
}
