using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>Walks a YAML map against a table of key definitions.</summary>
internal static class ObjectReading
{
    /// <summary>
    /// Reads every key of <paramref name="map"/> into <paramref name="builder"/>, reporting unknown keys (with a
    /// "did you mean" hint), keys <paramref name="disallowed"/> says are not allowed, and missing required keys.
    /// </summary>
    /// <returns>The key nodes present, by name, for checks that involve several keys.</returns>
    public static Dictionary<string, YamlScalarNode> Walk<TBuilder>(
        NodeReader reader,
        YamlMappingNode map,
        string path,
        IReadOnlyList<KeyDefinition<TBuilder>> keys,
        TBuilder builder,
        Func<KeyDefinition<TBuilder>, string?>? disallowed = null)
    {
        var present = new Dictionary<string, YamlScalarNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (keyNode is not YamlScalarNode keyScalar || NodeReader.KindOf(keyScalar) == ScalarKind.Null)
            {
                reader.TypeError(keyNode, path, "a key name");
                continue;
            }

            var name = keyScalar.Value ?? string.Empty;
            var keyPath = NodeReader.Child(path, name);
            var definition = keys.FirstOrDefault(k => k.Name == name);
            if (definition is null)
            {
                reader.UnknownKey(keyScalar, keyPath, keys.Select(k => k.Name).ToList());
                continue;
            }

            present[name] = keyScalar;
            if (disallowed?.Invoke(definition) is { } reason)
            {
                reader.Error(keyScalar, keyPath, reason);
                continue;
            }

            definition.Read(reader, valueNode, keyPath, builder);
        }

        foreach (var key in keys.Where(k => k.Required && !present.ContainsKey(k.Name)))
        {
            reader.Error(map, path, $"missing required key '{key.Name}'");
        }

        return present;
    }
}
