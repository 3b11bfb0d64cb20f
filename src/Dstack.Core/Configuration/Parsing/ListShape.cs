using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A list of items of one shape; optionally non-empty and without duplicates.</summary>
internal sealed class ListShape<T>(Shape<T> item, string expected, bool unique = false, bool nonEmpty = false) : Shape<IReadOnlyList<T>>
{
    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out IReadOnlyList<T> value)
    {
        value = null;
        if (node is not YamlSequenceNode sequence)
        {
            reader.TypeError(node, path, $"a list of {expected}");
            return false;
        }

        if (nonEmpty && sequence.Children.Count == 0)
        {
            reader.TypeError(node, path, $"a non-empty list of {expected}");
            return false;
        }

        var items = new List<T>();
        var ok = true;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var itemPath = NodeReader.Item(path, i);
            if (!item.TryRead(reader, sequence.Children[i], itemPath, out var parsed))
            {
                ok = false;
                continue;
            }

            if (unique && items.Contains(parsed))
            {
                reader.Error(sequence.Children[i], itemPath, $"duplicate {NodeReader.Describe(sequence.Children[i])}");
                ok = false;
                continue;
            }

            items.Add(parsed);
        }

        value = items;
        return ok;
    }

    public override JsonObject Schema()
    {
        var schema = new JsonObject { ["type"] = "array", ["items"] = item.Schema() };
        if (unique)
        {
            schema["uniqueItems"] = true;
        }

        if (nonEmpty)
        {
            schema["minItems"] = 1;
        }

        return schema;
    }
}
