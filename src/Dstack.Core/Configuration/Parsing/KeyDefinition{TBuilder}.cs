using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A key of a YAML map: its name, documentation, schema, reader and the rules on its presence.</summary>
/// <typeparam name="TBuilder">The mutable object the value is read into.</typeparam>
internal sealed class KeyDefinition<TBuilder>(
    string name,
    string description,
    Func<JsonObject> schema,
    Func<NodeReader, YamlNode, string, TBuilder, bool> read)
{
    public string Name => name;

    public string Description => description;

    /// <summary>Whether the key must be present.</summary>
    public bool Required { get; init; }

    /// <summary>Providers the key is allowed for (workflow keys only); null for all.</summary>
    public IReadOnlyList<WorkflowProvider>? Providers { get; init; }

    /// <summary>Providers that need the key (workflow keys only).</summary>
    public IReadOnlyList<WorkflowProvider> RequiredFor { get; init; } = [];

    public JsonObject Schema()
    {
        var result = schema();
        result["description"] = description;
        return result;
    }

    public bool Read(NodeReader reader, YamlNode node, string path, TBuilder builder) => read(reader, node, path, builder);
}
