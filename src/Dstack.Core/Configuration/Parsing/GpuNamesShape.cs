using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>GPU names: <c>A100</c>, <c>A10G,A100</c> or a list <c>[A10G, A100]</c>.</summary>
internal sealed partial class GpuNamesShape : Shape<IReadOnlyList<string>>
{
    private const string Expected = "a GPU name like A100, or a list of names";

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out IReadOnlyList<string> value)
    {
        value = null;
        if (node is YamlScalarNode { Value: { } text } scalar && NodeReader.KindOf(scalar) == ScalarKind.String && NamesRegex().IsMatch(text))
        {
            value = text.Split(',');
            return CheckKnown(reader, node, path, value);
        }

        if (node is YamlSequenceNode { Children.Count: > 0 } sequence)
        {
            var names = new List<string>();
            var ok = true;
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var item = sequence.Children[i];
                if (item is YamlScalarNode { Value: { } name } s && NodeReader.KindOf(s) == ScalarKind.String && NameRegex().IsMatch(name))
                {
                    names.Add(name);
                    ok &= CheckKnown(reader, item, NodeReader.Item(path, i), [name]);
                }
                else
                {
                    reader.TypeError(item, NodeReader.Item(path, i), "a GPU name like A100");
                    ok = false;
                }
            }

            value = names;
            return ok;
        }

        reader.TypeError(node, path, Expected);
        return false;
    }

    /// <summary>
    /// Reports each name that is no known GPU, with the known ones: a typo would otherwise pass and only fail later, as a
    /// run that finds no capacity anywhere.
    /// </summary>
    public static bool CheckKnown(NodeReader reader, YamlNode node, string path, IReadOnlyList<string> names)
    {
        var ok = true;
        foreach (var name in names.Where(n => !KnownGpus.IsKnown(n)))
        {
            var hint = Suggestions.Closest(name, KnownGpus.Names) is { } match ? $" (did you mean '{match}'?)" : string.Empty;
            reader.Error(node, path, $"unknown GPU name '{name}'{hint}; the known GPU names are {string.Join(", ", KnownGpus.Names)}");
            ok = false;
        }

        return ok;
    }

    public override JsonObject Schema() =>
        SchemaNodes.AnyOf(
            SchemaNodes.Pattern("^" + Patterns.GpuNames + "$"),
            new JsonObject { ["type"] = "array", ["items"] = SchemaNodes.Pattern(Patterns.GpuNameText), ["minItems"] = 1 });

    [GeneratedRegex("^" + Patterns.GpuNames + "$")]
    private static partial Regex NamesRegex();

    [GeneratedRegex(Patterns.GpuNameText)]
    private static partial Regex NameRegex();
}
