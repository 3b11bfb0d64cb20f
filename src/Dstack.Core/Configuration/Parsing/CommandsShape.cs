using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>Shell commands: a list of strings, or one string whose non-blank lines are the commands.</summary>
internal sealed class CommandsShape : Shape<IReadOnlyList<TemplateString>>
{
    private const string Expected = "a list of commands or a multi-line string";
    private static readonly TemplateShape Item = new("a command");

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out IReadOnlyList<TemplateString> value)
    {
        value = null;
        switch (node)
        {
            case YamlSequenceNode sequence:
                var items = new List<TemplateString>();
                var ok = true;
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    if (Item.TryRead(reader, sequence.Children[i], NodeReader.Item(path, i), out var command))
                    {
                        items.Add(command);
                    }
                    else
                    {
                        ok = false;
                    }
                }

                value = items;
                return ok;

            case YamlScalarNode scalar when NodeReader.KindOf(scalar) == ScalarKind.String && !string.IsNullOrWhiteSpace(scalar.Value):
                var lines = scalar.Value.Split('\n');
                var commands = new List<TemplateString>();
                var valid = true;
                for (var i = 0; i < lines.Length; i++)
                {
                    var line = lines[i].TrimEnd('\r');
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    valid &= reader.CheckTemplate(scalar, path, line, i);
                    commands.Add(new TemplateString(line));
                }

                value = commands;
                return valid;

            default:
                reader.TypeError(node, path, Expected);
                return false;
        }
    }

    public override JsonObject Schema() =>
        SchemaNodes.AnyOf(
            new JsonObject { ["type"] = "string", ["minLength"] = 1, ["pattern"] = Patterns.TemplateText },
            new JsonObject { ["type"] = "array", ["items"] = Item.Schema() });
}
