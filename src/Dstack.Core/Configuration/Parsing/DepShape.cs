using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A dependency: exactly one of <c>{workflow: W}</c>, <c>{tag: T}</c>, <c>{run: R}</c>.</summary>
internal sealed class DepShape : Shape<DepSpec>
{
    private static readonly StringShape Name = new("a name");

    private static readonly ObjectShape<DepBuilder, DepSpec> Map = new(
        [
            KeyDefinition.Create<DepBuilder, string>("workflow", "The newest successful run of this workflow.", Name, (b, v) => b.Given.Add(new DepSpec(DepKind.Workflow, v))),
            KeyDefinition.Create<DepBuilder, string>("tag", "The run this tag points to.", Name, (b, v) => b.Given.Add(new DepSpec(DepKind.Tag, v))),
            KeyDefinition.Create<DepBuilder, string>("run", "A run, by name.", Name, (b, v) => b.Given.Add(new DepSpec(DepKind.Run, v))),
        ],
        () => new DepBuilder(),
        Build,
        schema =>
        {
            schema["minProperties"] = 1;
            schema["maxProperties"] = 1;
        });

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out DepSpec value) =>
        Map.TryRead(reader, node, path, out value);

    public override JsonObject Schema() => Map.Schema();

    private static DepSpec? Build(NodeReader reader, YamlMappingNode map, string path, DepBuilder builder)
    {
        var keys = map.Children.Count;
        if (keys is 0 or > 1)
        {
            reader.Error(map, path, $"expected exactly one of workflow, tag, run, found {(keys == 0 ? "none" : $"{keys} keys")}");
            return null;
        }

        return builder.Given.Count == 1 ? builder.Given[0] : null;
    }
}
