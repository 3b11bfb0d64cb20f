using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// Environment variables: a list of <c>K=V</c> and <c>K</c> (the value comes from the local environment at run
/// time), or a map (a key without a value means the same).
/// </summary>
internal sealed partial class EnvShape : Shape<IReadOnlyList<EnvVar>>
{
    private const string Expected = "a list of NAME=VALUE or NAME entries, or a map of names to values";

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out IReadOnlyList<EnvVar> value)
    {
        value = null;
        var vars = new List<EnvVar>();
        var ok = true;
        switch (node)
        {
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    var item = sequence.Children[i];
                    var itemPath = NodeReader.Item(path, i);
                    if (!reader.TryString(item, itemPath, "NAME=VALUE or NAME", out var text))
                    {
                        ok = false;
                        continue;
                    }

                    var equals = text.IndexOf('=', StringComparison.Ordinal);
                    var name = equals < 0 ? text : text[..equals];
                    if (!NameRegex().IsMatch(name))
                    {
                        reader.TypeError(item, itemPath, "NAME=VALUE or NAME, NAME being letters, digits and _");
                        ok = false;
                        continue;
                    }

                    if (!reader.CheckTemplate((YamlScalarNode)item, itemPath, text))
                    {
                        ok = false;
                        continue;
                    }

                    ok &= Add(reader, vars, new EnvVar(name, equals < 0 ? null : new TemplateString(text[(equals + 1)..])), item, itemPath);
                }

                break;

            case YamlMappingNode map:
                foreach (var (keyNode, valueNode) in map.Children)
                {
                    var keyText = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                    var keyPath = NodeReader.Child(path, keyText);
                    if (keyNode is not YamlScalarNode || !NameRegex().IsMatch(keyText))
                    {
                        reader.TypeError(keyNode, keyPath, "a variable name (letters, digits and _)");
                        ok = false;
                        continue;
                    }

                    if (valueNode is not YamlScalarNode scalar)
                    {
                        reader.TypeError(valueNode, keyPath, "a string, a number, a boolean or nothing");
                        ok = false;
                        continue;
                    }

                    var kind = NodeReader.KindOf(scalar);
                    if (kind == ScalarKind.String && !reader.CheckTemplate(scalar, keyPath, scalar.Value ?? string.Empty))
                    {
                        ok = false;
                        continue;
                    }

                    var envValue = kind == ScalarKind.Null ? null : new TemplateString(scalar.Value ?? string.Empty);
                    ok &= Add(reader, vars, new EnvVar(keyText, envValue), keyNode, keyPath);
                }

                break;

            default:
                reader.TypeError(node, path, Expected);
                return false;
        }

        value = vars;
        return ok;
    }

    public override JsonObject Schema() =>
        SchemaNodes.AnyOf(
            new JsonObject { ["type"] = "array", ["items"] = SchemaNodes.Pattern(Patterns.EnvEntryText) },
            new JsonObject
            {
                ["type"] = "object",
                ["propertyNames"] = new JsonObject { ["pattern"] = Patterns.EnvNameText },
                ["additionalProperties"] = SchemaNodes.AnyOf(
                    SchemaNodes.Pattern(Patterns.TemplateText),
                    new JsonObject { ["type"] = new JsonArray("number", "boolean", "null") }),
            });

    private static bool Add(NodeReader reader, List<EnvVar> vars, EnvVar envVar, YamlNode node, string path)
    {
        if (vars.Exists(v => v.Name == envVar.Name))
        {
            reader.Error(node, path, $"duplicate variable '{envVar.Name}'");
            return false;
        }

        vars.Add(envVar);
        return true;
    }

    [GeneratedRegex(Patterns.EnvNameText)]
    private static partial Regex NameRegex();
}
