using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>An artifact: a path (<c>- ./output</c>) or <c>{path, mount}</c>.</summary>
internal sealed class ArtifactShape : Shape<ArtifactSpec>
{
    private static readonly ArtifactPathShape PathShape = new();

    private static readonly ObjectShape<ArtifactBuilder, ArtifactSpec> Map = new(
        [
            KeyDefinition.Create<ArtifactBuilder, TemplateString>("path", "The folder, relative to the working directory.", PathShape, (b, v) => b.Path = v, required: true),
            KeyDefinition.Create<ArtifactBuilder, bool>("mount", "Sync the folder in real time while the job runs.", new BoolShape(), (b, v) => b.Mount = v),
        ],
        () => new ArtifactBuilder(),
        (_, _, _, builder) => builder.Build());

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out ArtifactSpec value)
    {
        value = null;
        if (node is YamlMappingNode)
        {
            return Map.TryRead(reader, node, path, out value);
        }

        if (node is YamlScalarNode && PathShape.TryRead(reader, node, path, out var artifactPath))
        {
            value = new ArtifactSpec(artifactPath, Mount: false);
            return true;
        }

        if (node is not YamlScalarNode)
        {
            reader.TypeError(node, path, "a folder path or a map with path and mount");
        }

        return false;
    }

    public override JsonObject Schema() => SchemaNodes.AnyOf(PathShape.Schema(), Map.Schema());
}
