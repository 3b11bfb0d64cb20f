using System.Globalization;
using System.Text;

namespace Dstack.TemporalServer.Visibility;

// The server's messages print values with Go's %#v/%q and types with %T; this reproduces those spellings
// so error texts match real Temporal.
internal static class GoFormat
{
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\t' => sb.Append("\\t"),
                < ' ' or '\x7f' => sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => sb.Append(c),
            };
        }

        return sb.Append('"').ToString();
    }

    public static string SharpV(object value) => value switch
    {
        string s => Quote(s),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e'),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    public static string TypeName(object value) => value switch
    {
        string => "string",
        long => "int64",
        double => "float64",
        bool => "bool",
        _ => value.GetType().Name,
    };

    // Go type names of the parser's AST nodes, as the server prints them with %T.
    public static string NodeTypeName(Operand operand) => operand.Kind switch
    {
        OperandKind.Column => "*sqlparser.ColName",
        OperandKind.Bool => "sqlparser.BoolVal",
        OperandKind.Null => "*sqlparser.NullVal",
        OperandKind.Tuple => "sqlparser.ValTuple",
        _ => "*sqlparser.SQLVal",
    };
}
