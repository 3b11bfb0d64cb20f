using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>Reads YAML nodes of one file and collects the errors found, with their positions.</summary>
internal sealed partial class NodeReader
{
    private const string StrTag = "tag:yaml.org,2002:str";
    private readonly string[] _lines;
    private readonly List<ConfigError> _errors;

    public NodeReader(string file, string text, List<ConfigError> errors)
    {
        File = file;
        _lines = text.Split('\n');
        _errors = errors;
    }

    /// <summary>The file, relative to the repository root.</summary>
    public string File { get; }

    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static string Item(string path, int index) => $"{path}[{index}]";

    public static ScalarKind KindOf(YamlScalarNode scalar)
    {
        if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && scalar.Tag.Value == StrTag))
        {
            return ScalarKind.String;
        }

        var value = scalar.Value ?? string.Empty;
        if (NullRegex().IsMatch(value))
        {
            return ScalarKind.Null;
        }

        if (BoolRegex().IsMatch(value))
        {
            return ScalarKind.Bool;
        }

        if (IntRegex().IsMatch(value))
        {
            return ScalarKind.Int;
        }

        return FloatRegex().IsMatch(value) ? ScalarKind.Float : ScalarKind.String;
    }

    /// <summary>Describes a node for "found ..." in a message.</summary>
    public static string Describe(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode:
                return "a map";
            case YamlSequenceNode:
                return "a list";
            case YamlScalarNode scalar:
                var value = scalar.Value ?? string.Empty;
                var shown = value.Length > 40 ? value[..37] + "..." : value;
                shown = shown.ReplaceLineEndings("\\n");
                return KindOf(scalar) switch
                {
                    ScalarKind.Null => "nothing",
                    ScalarKind.Bool => $"boolean {shown}",
                    ScalarKind.Int or ScalarKind.Float => $"number {shown}",
                    _ => $"'{shown}'",
                };
            default:
                return "an unexpected node";
        }
    }

    public void Error(YamlNode node, string path, string message) => Error(node.Start, path, message);

    public void Error(Mark mark, string path, string message) =>
        _errors.Add(new ConfigError(File, (int)mark.Line, (int)mark.Column, path, message));

    public void Error(int line, int column, string path, string message) =>
        _errors.Add(new ConfigError(File, line, column, path, message));

    public void TypeError(YamlNode node, string path, string expected) =>
        Error(node, path, $"expected {expected}, found {Describe(node)}");

    /// <summary>The source line (1-based), without its line break, or null past the end.</summary>
    public string? SourceLine(long line) =>
        line >= 1 && line <= _lines.Length ? _lines[line - 1].TrimEnd('\r') : null;

    /// <summary>Reads a scalar of the string kind; anything else is a type error.</summary>
    public bool TryString(YamlNode node, string path, string expected, out string value)
    {
        if (node is YamlScalarNode scalar && KindOf(scalar) == ScalarKind.String)
        {
            value = scalar.Value ?? string.Empty;
            return true;
        }

        value = string.Empty;
        var hint = node is YamlScalarNode s && KindOf(s) is ScalarKind.Int or ScalarKind.Float or ScalarKind.Bool
            ? "; quote it to make it a string"
            : string.Empty;
        Error(node, path, $"expected {expected}, found {Describe(node)}{hint}");
        return false;
    }

    /// <summary>Reads a plain integer scalar.</summary>
    public static bool TryInt(YamlNode node, out long value)
    {
        value = 0;
        return node is YamlScalarNode scalar
            && KindOf(scalar) == ScalarKind.Int
            && long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Reads a plain boolean scalar.</summary>
    public static bool TryBool(YamlNode node, out bool value)
    {
        value = false;
        if (node is YamlScalarNode scalar && KindOf(scalar) == ScalarKind.Bool)
        {
            value = scalar.Value!.Equals("true", StringComparison.OrdinalIgnoreCase);
            return true;
        }

        return false;
    }

    /// <summary>Checks the <c>${{ ... }}</c> expressions of a string read from <paramref name="node"/>.</summary>
    /// <param name="node">The scalar the text comes from.</param>
    /// <param name="path">The key path.</param>
    /// <param name="text">The text (the whole scalar, or one of its lines).</param>
    /// <param name="lineInScalar">For one line of a literal block scalar, its 0-based index; else null.</param>
    public bool CheckTemplate(YamlScalarNode node, string path, string text, int? lineInScalar = null)
    {
        var ok = true;
        foreach (Match match in TemplateString.ExpressionRegex().Matches(text))
        {
            string? problem = null;
            if (!match.Groups["close"].Success)
            {
                problem = $"unterminated expression '{Shorten(match.Value)}'; expected '}}}}'";
            }
            else if (!TemplateString.Expressions.Contains(TemplateString.Normalize(match.Groups["expr"].Value)))
            {
                problem = $"unknown expression '{match.Value}'; expected ${{{{ run.name }}}} or ${{{{ run.args }}}}";
            }

            if (problem is not null)
            {
                var (line, column) = Locate(node, text, match.Index, lineInScalar);
                Error(line, column, path, problem);
                ok = false;
            }
        }

        return ok;
    }

    private static string Shorten(string value) => value.Length > 30 ? value[..27] + "..." : value;

    /// <summary>Finds the source position of <paramref name="text"/>[<paramref name="index"/>], or the node's start when unsure.</summary>
    private (int Line, int Column) Locate(YamlScalarNode node, string text, int index, int? lineInScalar)
    {
        var fallback = ((int)node.Start.Line, (int)node.Start.Column);
        var (sourceLine, from) = node.Style switch
        {
            ScalarStyle.Literal when lineInScalar is { } i => (node.Start.Line + 1 + i, 0),
            ScalarStyle.Plain or ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted when !text.Contains('\n', StringComparison.Ordinal)
                => (node.Start.Line, (int)node.Start.Column - 1),
            _ => (-1L, 0),
        };
        var source = SourceLine(sourceLine);
        if (source is null || from > source.Length)
        {
            return fallback;
        }

        // The text before the expression is searched for in the source so that quotes and indentation are skipped.
        var expression = text[index..];
        var end = expression.IndexOf("}}", StringComparison.Ordinal);
        var probe = end >= 0 ? expression[..(end + 2)] : expression;
        var at = source.IndexOf(probe, from, StringComparison.Ordinal);
        return at >= 0 ? ((int)sourceLine, at + 1) : fallback;
    }

    [GeneratedRegex("^(?:~|null|Null|NULL|)$")]
    private static partial Regex NullRegex();

    [GeneratedRegex("^(?:true|True|TRUE|false|False|FALSE)$")]
    private static partial Regex BoolRegex();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntRegex();

    [GeneratedRegex(@"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatRegex();
}
