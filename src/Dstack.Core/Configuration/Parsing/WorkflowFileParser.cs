using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>Reads one workflows file into specs, collecting every error.</summary>
internal static class WorkflowFileParser
{
    public static IReadOnlyList<ParsedWorkflow> Parse(WorkflowSource source, List<ConfigError> errors)
    {
        var reader = new NodeReader(source.File, source.Text, errors);
        if (!reader.TryLoad(out var stream))
        {
            return [];
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            reader.Error(1, 1, string.Empty, "expected a map with the key 'workflows', found an empty file");
            return [];
        }

        if (stream.Documents.Count > 1)
        {
            reader.Error(stream.Documents[1].RootNode, string.Empty, "expected a single YAML document, found more (a '---' separator)");
            return [];
        }

        if (!WorkflowKeys.Root.TryRead(reader, stream.Documents[0].RootNode, string.Empty, out var root) || root.Workflows is null)
        {
            return [];
        }

        var workflows = new List<ParsedWorkflow>();
        for (var i = 0; i < root.Workflows.Children.Count; i++)
        {
            var node = root.Workflows.Children[i];
            var path = NodeReader.Item("workflows", i);
            if (WorkflowKeys.WorkflowItem.TryRead(reader, node, path, out var spec))
            {
                var map = (YamlMappingNode)node;
                WorkflowSizeCheck.Check(reader, map, path, spec);
                var nameNode = map.Children[new YamlScalarNode("name")];
                workflows.Add(new ParsedWorkflow(spec, nameNode.Start, NodeReader.Child(path, "name")));
            }
        }

        return workflows;
    }

    private static bool IsNull(YamlNode node) => node is YamlScalarNode scalar && NodeReader.KindOf(scalar) == ScalarKind.Null;
}
