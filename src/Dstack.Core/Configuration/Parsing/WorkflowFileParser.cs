using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>Reads one workflows file into specs, collecting every error.</summary>
internal static partial class WorkflowFileParser
{
    public static IReadOnlyList<ParsedWorkflow> Parse(WorkflowSource source, List<ConfigError> errors)
    {
        var reader = new NodeReader(source.File, source.Text, errors);
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(source.Text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            reader.Error(e.Start, string.Empty, $"invalid YAML: {Describe(e)}");
            return [];
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (without a position) on some malformed flow collections.
            var mark = parser.Current?.Start ?? Mark.Empty;
            reader.Error(Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column), string.Empty,
                "invalid YAML: the text after this point cannot be parsed (an unclosed '[' or '{'?)");
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

    private static string Describe(YamlException exception)
    {
        // YamlDotNet prefixes the message with the marks, which the error already carries.
        var message = MarkPrefix().Replace(exception.Message, string.Empty);
        return message.StartsWith("Duplicate key ", StringComparison.Ordinal)
            ? $"duplicate key '{message["Duplicate key ".Length..]}'"
            : message;
    }

    private static bool IsNull(YamlNode node) => node is YamlScalarNode scalar && NodeReader.KindOf(scalar) == ScalarKind.Null;

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
