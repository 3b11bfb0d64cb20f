using System.Text;

namespace Dstack.TemporalServer.Visibility;

// Tokenizes like the server's parser (temporalio/sqlparser, a fork of xwb1989/sqlparser): strings in single or
// double quotes with doubled-quote and backslash escapes, back-quoted names with doubled back-quote escapes.
internal static class QueryLexer
{
    public static List<QueryToken> Tokenize(string query, Func<int, string?, VisibilityQueryException> syntaxError)
    {
        var tokens = new List<QueryToken>();
        var i = 0;
        while (true)
        {
            while (i < query.Length && char.IsWhiteSpace(query[i]))
            {
                i++;
            }

            if (i >= query.Length)
            {
                tokens.Add(new QueryToken(QueryTokenKind.End, string.Empty, query.Length));
                return tokens;
            }

            var c = query[i];
            var start = i;
            if (IsNameStart(c))
            {
                while (i < query.Length && (IsNameStart(query[i]) || char.IsAsciiDigit(query[i])))
                {
                    i++;
                }

                tokens.Add(new QueryToken(QueryTokenKind.Word, query[start..i], i));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < query.Length && char.IsAsciiDigit(query[i + 1])))
            {
                i = ScanNumber(query, i);
                tokens.Add(new QueryToken(QueryTokenKind.Number, query[start..i], i));
            }
            else if (c is '\'' or '"')
            {
                var (text, end) = ScanString(query, i + 1, c, syntaxError);
                i = end;
                tokens.Add(new QueryToken(QueryTokenKind.String, text, i));
            }
            else if (c == '`')
            {
                var (text, end) = ScanQuotedName(query, i + 1, syntaxError);
                i = end;
                tokens.Add(new QueryToken(QueryTokenKind.QuotedName, text, i));
            }
            else
            {
                var (kind, length) = c switch
                {
                    '(' => (QueryTokenKind.LeftParen, 1),
                    ')' => (QueryTokenKind.RightParen, 1),
                    ',' => (QueryTokenKind.Comma, 1),
                    '-' => (QueryTokenKind.Minus, 1),
                    ';' => (QueryTokenKind.Semicolon, 1),
                    '=' => (QueryTokenKind.Operator, 1),
                    '<' when Peek(query, i + 1) is '=' or '>' => (QueryTokenKind.Operator, 2),
                    '<' or '>' => (QueryTokenKind.Operator, Peek(query, i + 1) == '=' ? 2 : 1),
                    '!' when Peek(query, i + 1) == '=' => (QueryTokenKind.Operator, 2),
                    _ => throw syntaxError(i + 1, c.ToString()),
                };
                i += length;
                var text = query[start..i];
                tokens.Add(new QueryToken(kind, text == "<>" ? "!=" : text, i));
            }
        }
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c is '_' or '@' || c >= 0x80;

    private static char Peek(string query, int index) => index < query.Length ? query[index] : '\0';

    private static int ScanNumber(string query, int i)
    {
        while (i < query.Length && (char.IsAsciiDigit(query[i]) || query[i] == '.'))
        {
            i++;
        }

        if (i < query.Length && query[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < query.Length && query[j] is '+' or '-')
            {
                j++;
            }

            if (j < query.Length && char.IsAsciiDigit(query[j]))
            {
                i = j;
                while (i < query.Length && char.IsAsciiDigit(query[i]))
                {
                    i++;
                }
            }
        }

        return i;
    }

    private static (string Text, int End) ScanString(
        string query, int i, char quote, Func<int, string?, VisibilityQueryException> syntaxError)
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= query.Length)
            {
                throw syntaxError(query.Length + 1, sb.ToString());
            }

            var c = query[i++];
            if (c == quote)
            {
                if (Peek(query, i) != quote)
                {
                    return (sb.ToString(), i);
                }

                i++;
                sb.Append(quote);
            }
            else if (c == '\\')
            {
                if (i >= query.Length)
                {
                    throw syntaxError(query.Length + 1, sb.ToString());
                }

                // MySQL escapes; any other escaped character stands for itself.
                var escaped = query[i++];
                sb.Append(escaped switch
                {
                    '0' => '\0',
                    'b' => '\b',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'Z' => '\x1a',
                    _ => escaped,
                });
            }
            else
            {
                sb.Append(c);
            }
        }
    }

    private static (string Text, int End) ScanQuotedName(
        string query, int i, Func<int, string?, VisibilityQueryException> syntaxError)
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= query.Length)
            {
                throw syntaxError(query.Length + 1, sb.ToString());
            }

            var c = query[i++];
            if (c == '`')
            {
                if (Peek(query, i) != '`')
                {
                    break;
                }

                i++;
            }

            sb.Append(c);
        }

        if (sb.Length == 0)
        {
            throw syntaxError(i + 1, string.Empty);
        }

        return (sb.ToString(), i);
    }
}
