using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// Reads YAML nodes of one file and collects the errors found, with their positions: the one reader of the workflows
/// files and of dstack's settings file, so that both report the same way (<see cref="ConfigError"/>).
/// </summary>
internal sealed partial class NodeReader
{
    private const string StrTag = "tag:yaml.org,2002:str";
    private readonly string _text;
    private readonly string[] _lines;
    private readonly List<ConfigError> _errors;

    public NodeReader(string file, string text, List<ConfigError> errors)
    {
        File = file;
        _text = text;
        _lines = text.Split('\n');
        _errors = errors;
    }

    /// <summary>The file, as errors name it (a workflows file relative to the repository root, the settings file absolute).</summary>
    public string File { get; }

    /// <summary>Parses the file's text; false, with the error, when it is not YAML.</summary>
    public bool TryLoad(out YamlStream stream)
    {
        stream = new YamlStream();
        var parser = new Parser(new StringReader(_text));
        try
        {
            stream.Load(parser);
            return true;
        }
        catch (YamlException e)
        {
            Error(e.Start, string.Empty, $"invalid YAML: {Describe(e)}");
            return false;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (without a position) on some malformed flow collections.
            var mark = parser.Current?.Start ?? Mark.Empty;
            Error(Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column), string.Empty,
                "invalid YAML: the text after this point cannot be parsed (an unclosed '[' or '{'?)");
            return false;
        }
    }

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

    /// <summary>Records an error located elsewhere (an earlier value's origin).</summary>
    public void Error(ConfigError error) => _errors.Add(error);

    public void Error(Mark mark, string path, string message) =>
        _errors.Add(new ConfigError(File, (int)mark.Line, (int)mark.Column, path, message));

    public void Error(int line, int column, string path, string message) =>
        _errors.Add(new ConfigError(File, line, column, path, message));

    public void TypeError(YamlNode node, string path, string expected) =>
        Error(node, path, $"expected {expected}, found {Describe(node)}");

    /// <summary>Reports a key that <paramref name="allowed"/> lacks: with a "did you mean" hint, else the keys allowed when they are few.</summary>
    public void UnknownKey(YamlScalarNode keyNode, string keyPath, IReadOnlyList<string> allowed)
    {
        var name = keyNode.Value ?? string.Empty;
        var hint = Suggestions.Hint(name, allowed);
        if (hint.Length == 0 && allowed.Count <= 8)
        {
            hint = $"; expected one of: {string.Join(", ", allowed)}";
        }

        Error(keyNode, keyPath, $"unknown key '{name}'{hint}");
    }

    /// <summary>The value of <paramref name="key"/> in <paramref name="map"/>, or null when the key is absent.</summary>
    public static YamlNode? ValueOf(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key).Value;

    /// <summary>Expects a map whose keys are among <paramref name="allowed"/>; null, with the error, when the node is something else.</summary>
    public YamlMappingNode? Mapping(YamlNode node, string path, IReadOnlyList<string> allowed)
    {
        if (node is not YamlMappingNode map)
        {
            TypeError(node, path, $"a map with keys {string.Join(", ", allowed)}");
            return null;
        }

        CheckKeys(map, path, allowed);
        return map;
    }

    /// <summary>Reports each key of <paramref name="map"/> that is not a name among <paramref name="allowed"/>.</summary>
    public void CheckKeys(YamlMappingNode map, string path, IReadOnlyList<string> allowed)
    {
        foreach (var keyNode in map.Children.Keys)
        {
            if (keyNode is not YamlScalarNode keyScalar || KindOf(keyScalar) == ScalarKind.Null)
            {
                TypeError(keyNode, path, "a key name");
            }
            else if (!allowed.Contains(keyScalar.Value ?? string.Empty))
            {
                UnknownKey(keyScalar, Child(path, keyScalar.Value ?? string.Empty), allowed);
            }
        }
    }

    /// <summary>
    /// The text of the scalar under <paramref name="key"/>, whatever YAML type it has (a port may be written 22 or "22");
    /// null when absent or empty, and with an error when it is a map or a list.
    /// </summary>
    public string? Text(YamlMappingNode map, string path, string key)
    {
        switch (ValueOf(map, key))
        {
            case null:
            case YamlScalarNode { Value: null or "" }:
                return null;
            case YamlScalarNode scalar:
                return scalar.Value;
            case var other:
                TypeError(other, Child(path, key), "a single value");
                return null;
        }
    }

    /// <summary>Reads true or false (in any case) under <paramref name="key"/>; null when absent, with an error when it is something else.</summary>
    public bool? Boolean(YamlMappingNode map, string path, string key)
    {
        switch (Text(map, path, key))
        {
            case null:
                return null;
            case var text when bool.TryParse(text, out var value):
                return value;
            case var text:
                Error(ValueOf(map, key)!, Child(path, key), $"expected true or false, found '{text}'");
                return null;
        }
    }

    /// <summary>
    /// Reads a whole number from <paramref name="min"/> to <paramref name="max"/> under <paramref name="key"/>;
    /// <paramref name="fallback"/> when absent or invalid (with an error saying <paramref name="expected"/>).
    /// </summary>
    public int WholeNumber(YamlMappingNode map, string path, string key, int min, int max, int fallback, string expected)
    {
        if (Text(map, path, key) is not { } text)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error(ValueOf(map, key)!, Child(path, key), $"expected {expected}, found '{text}'");
        return fallback;
    }

    /// <summary>Reads a duration such as 30s, 5m or 1h under <paramref name="key"/>; null when absent or invalid (with an error).</summary>
    public TimeSpan? Duration(YamlMappingNode map, string path, string key)
    {
        if (Text(map, path, key) is not { } text)
        {
            return null;
        }

        if (DurationText.TryParse(text, out var duration))
        {
            return duration;
        }

        Error(ValueOf(map, key)!, Child(path, key), $"expected a duration like 30s, 5m or 1h, found '{text}'");
        return null;
    }

    /// <summary>Reads one name or a list of names under <paramref name="key"/>; empty when absent.</summary>
    public List<string> Names(YamlMappingNode map, string path, string key)
    {
        switch (ValueOf(map, key))
        {
            case null:
                return [];
            case YamlScalarNode { Value: { Length: > 0 } single }:
                return [single];
            case YamlSequenceNode list:
                var values = new List<string>();
                foreach (var item in list.Children)
                {
                    if (item is YamlScalarNode { Value: { Length: > 0 } value })
                    {
                        values.Add(value);
                    }
                    else
                    {
                        TypeError(item, Child(path, key), "a name");
                    }
                }

                return values;
            case var other:
                TypeError(other, Child(path, key), "a list of names");
                return [];
        }
    }

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

    private static string Describe(YamlException exception)
    {
        // YamlDotNet prefixes the message with the marks, which the error already carries.
        var message = MarkPrefix().Replace(exception.Message, string.Empty);
        return message.StartsWith("Duplicate key ", StringComparison.Ordinal)
            ? $"duplicate key '{message["Duplicate key ".Length..]}'"
            : message;
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

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();

    [GeneratedRegex("^(?:~|null|Null|NULL|)$")]
    private static partial Regex NullRegex();

    [GeneratedRegex("^(?:true|True|TRUE|false|False|FALSE)$")]
    private static partial Regex BoolRegex();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntRegex();

    [GeneratedRegex(@"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatRegex();
}
