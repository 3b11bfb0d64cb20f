using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>The <c>workflows:</c> list; its items are read one by one by <see cref="WorkflowFileParser"/>.</summary>
internal sealed class WorkflowListShape(WorkflowShape item) : Shape<YamlSequenceNode>
{
    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out YamlSequenceNode value)
    {
        value = node as YamlSequenceNode;
        if (value is null)
        {
            reader.TypeError(node, path, "a list of workflows");
        }

        return value is not null;
    }

    public override JsonObject Schema() => new() { ["type"] = "array", ["items"] = item.Schema() };
}
