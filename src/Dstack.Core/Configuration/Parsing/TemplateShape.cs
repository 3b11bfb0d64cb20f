using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A non-empty string that may use <c>${{ run.name }}</c> and <c>${{ run.args }}</c>.</summary>
internal sealed class TemplateShape(string expected) : Shape<TemplateString>
{
    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out TemplateString value)
    {
        value = null;
        if (!reader.TryString(node, path, expected, out var text))
        {
            return false;
        }

        if (text.Length == 0)
        {
            reader.TypeError(node, path, expected);
            return false;
        }

        if (!reader.CheckTemplate((YamlScalarNode)node, path, text))
        {
            return false;
        }

        value = new TemplateString(text);
        return true;
    }

    public override JsonObject Schema() =>
        new() { ["type"] = "string", ["minLength"] = 1, ["pattern"] = Patterns.TemplateText };
}
