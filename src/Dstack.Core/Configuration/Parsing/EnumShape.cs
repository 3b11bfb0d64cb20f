using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>One of a fixed set of names.</summary>
internal sealed class EnumShape<TEnum>(Func<TEnum, string> nameOf, IReadOnlyDictionary<string, TEnum>? aliases = null) : Shape<TEnum>
    where TEnum : struct, Enum
{
    private readonly IReadOnlyList<(string Name, TEnum Value)> _values =
        Enum.GetValues<TEnum>().Select(v => (nameOf(v), v)).ToList();

    public IEnumerable<string> Names => _values.Select(v => v.Name).Concat(aliases?.Keys ?? []);

    public bool TryParse(string text, out TEnum value)
    {
        foreach (var (name, candidate) in _values)
        {
            if (name == text)
            {
                value = candidate;
                return true;
            }
        }

        if (aliases is not null && aliases.TryGetValue(text, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    public override bool TryRead(NodeReader reader, YamlNode node, string path, out TEnum value)
    {
        value = default;
        var expected = "one of " + string.Join(", ", _values.Select(v => v.Name));
        if (!reader.TryString(node, path, expected, out var text))
        {
            return false;
        }

        if (TryParse(text, out value))
        {
            return true;
        }

        reader.Error(node, path, $"expected {expected}, found {NodeReader.Describe(node)}{Suggestions.Hint(text, Names)}");
        return false;
    }

    public override JsonObject Schema() =>
        new() { ["type"] = "string", ["enum"] = new JsonArray(Names.Select(n => (JsonNode?)n).ToArray()) };
}
