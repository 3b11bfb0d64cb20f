using System.Collections.Frozen;
using System.Globalization;

namespace Dstack.TemporalServer.Visibility;

// Recursive descent over the grammar subset of the server's MySQL-dialect parser that a
// "select * from table1 where <query>" statement can use. Precedence, lowest first: OR, AND, NOT, predicates.
internal sealed class QueryParser
{
    // The server parses "select * from table1 " + ("where " unless the query starts with ORDER BY or GROUP BY)
    // + query, so its error positions are offset by that prefix.
    private const string SelectPrefix = "select * from table1 ";
    private const string WherePrefix = "where ";

    // Words the server's parser reserves; they must be back-quoted to be used as attribute names.
    private static readonly FrozenSet<string> ReservedWords = new[]
    {
        "and", "or", "not", "in", "is", "null", "between", "like", "starts_with", "true", "false",
        "order", "group", "by", "limit", "having", "where", "select", "from", "asc", "desc",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly List<QueryToken> _tokens;
    private readonly int _positionOffset;
    private int _index;

    private QueryParser(string query)
    {
        var lower = query.ToLowerInvariant();
        var hasWhere = query.Length > 0 && !lower.StartsWith("order by", StringComparison.Ordinal) &&
            !lower.StartsWith("group by", StringComparison.Ordinal);
        _positionOffset = SelectPrefix.Length + (hasWhere ? WherePrefix.Length : 0);
        _tokens = QueryLexer.Tokenize(query, SyntaxError);
    }

    private QueryToken Current => _tokens[_index];

    public static ParsedQuery Parse(string query) => new QueryParser(query).ParseQuery();

    private ParsedQuery ParseQuery()
    {
        QueryNode? where = null;
        if (Current.Kind != QueryTokenKind.End && !IsClauseStart("order") && !IsClauseStart("group"))
        {
            where = ParseOr();
        }

        var groupBy = new List<string>();
        if (IsClauseStart("group"))
        {
            _index += 2;
            do
            {
                groupBy.Add(ExpectName());
            }
            while (TryConsume(QueryTokenKind.Comma));
        }

        var orderBy = new List<VisibilityOrder>();
        if (IsClauseStart("order"))
        {
            _index += 2;
            do
            {
                var name = ExpectName();
                var descending = false;
                if (Current.IsKeyword("desc"))
                {
                    descending = true;
                    _index++;
                }
                else if (Current.IsKeyword("asc"))
                {
                    _index++;
                }

                orderBy.Add(new VisibilityOrder(name, descending));
            }
            while (TryConsume(QueryTokenKind.Comma));
        }

        var hasLimit = false;
        if (Current.IsKeyword("limit"))
        {
            _index++;
            hasLimit = true;
            Expect(QueryTokenKind.Number);
            if (TryConsume(QueryTokenKind.Comma) || TryConsumeKeyword("offset"))
            {
                Expect(QueryTokenKind.Number);
            }
        }

        TryConsume(QueryTokenKind.Semicolon);
        if (Current.Kind != QueryTokenKind.End)
        {
            throw UnexpectedToken();
        }

        return new ParsedQuery(where, groupBy, orderBy, hasLimit);
    }

    private QueryNode ParseOr()
    {
        var left = ParseAnd();
        while (TryConsumeKeyword("or"))
        {
            left = new OrNode(left, ParseAnd());
        }

        return left;
    }

    private QueryNode ParseAnd()
    {
        var left = ParseNot();
        while (TryConsumeKeyword("and"))
        {
            left = new AndNode(left, ParseNot());
        }

        return left;
    }

    private QueryNode ParseNot() =>
        TryConsumeKeyword("not") ? new NotNode(ParseNot()) : ParsePredicate();

    private QueryNode ParsePredicate()
    {
        if (TryConsume(QueryTokenKind.LeftParen))
        {
            var inner = ParseOr();
            Expect(QueryTokenKind.RightParen);
            return inner;
        }

        var left = ParseOperand();
        if (Current.Kind == QueryTokenKind.Operator)
        {
            var op = Current.Text;
            _index++;
            return new ComparisonNode(left, op, ParseOperand());
        }

        var negated = false;
        if (Current.IsKeyword("not"))
        {
            negated = true;
            _index++;
        }

        if (TryConsumeKeyword("in"))
        {
            return new ComparisonNode(left, negated ? "not in" : "in", ParseTuple());
        }

        if (TryConsumeKeyword("starts_with"))
        {
            return new ComparisonNode(left, negated ? "not starts_with" : "starts_with", ParseOperand());
        }

        if (TryConsumeKeyword("like"))
        {
            return new ComparisonNode(left, negated ? "not like" : "like", ParseOperand());
        }

        if (TryConsumeKeyword("between"))
        {
            var from = ParseOperand();
            if (!TryConsumeKeyword("and"))
            {
                throw UnexpectedToken();
            }

            return new RangeNode(left, negated, from, ParseOperand());
        }

        if (negated)
        {
            throw UnexpectedToken();
        }

        if (TryConsumeKeyword("is"))
        {
            var not = TryConsumeKeyword("not") ? "not " : string.Empty;
            foreach (var word in (ReadOnlySpan<string>)["null", "true", "false"])
            {
                if (TryConsumeKeyword(word))
                {
                    return new IsNode(left, "is " + not + word);
                }
            }

            throw UnexpectedToken();
        }

        return new OperandNode(left);
    }

    private Operand ParseTuple()
    {
        Expect(QueryTokenKind.LeftParen);
        var items = new List<Operand>();
        do
        {
            items.Add(ParseOperand());
        }
        while (TryConsume(QueryTokenKind.Comma));
        Expect(QueryTokenKind.RightParen);
        return new Operand(OperandKind.Tuple, string.Empty, items);
    }

    private Operand ParseOperand()
    {
        var token = Current;
        switch (token.Kind)
        {
            case QueryTokenKind.String:
                _index++;
                return Operand.Of(OperandKind.String, token.Text);
            case QueryTokenKind.Number:
                _index++;
                return Operand.Of(OperandKind.Number, token.Text);
            case QueryTokenKind.Minus when _tokens[_index + 1].Kind == QueryTokenKind.Number:
                _index += 2;
                return Operand.Of(OperandKind.Number, "-" + _tokens[_index - 1].Text);
            case QueryTokenKind.QuotedName:
                _index++;
                return Operand.Of(OperandKind.Column, token.Text);
            case QueryTokenKind.Word when token.IsKeyword("true") || token.IsKeyword("false"):
                _index++;
                return Operand.Of(OperandKind.Bool, token.Text.ToLowerInvariant());
            case QueryTokenKind.Word when token.IsKeyword("null"):
                _index++;
                return Operand.Of(OperandKind.Null, "null");
            case QueryTokenKind.Word when !ReservedWords.Contains(token.Text):
                _index++;
                return Operand.Of(OperandKind.Column, token.Text);
            default:
                throw UnexpectedToken();
        }
    }

    private string ExpectName()
    {
        var token = Current;
        if (token.Kind == QueryTokenKind.QuotedName ||
            (token.Kind == QueryTokenKind.Word && !ReservedWords.Contains(token.Text)))
        {
            _index++;
            return token.Text;
        }

        throw UnexpectedToken();
    }

    private bool IsClauseStart(string keyword) =>
        Current.IsKeyword(keyword) && _tokens[Math.Min(_index + 1, _tokens.Count - 1)].IsKeyword("by");

    private void Expect(QueryTokenKind kind)
    {
        if (!TryConsume(kind))
        {
            throw UnexpectedToken();
        }
    }

    private bool TryConsume(QueryTokenKind kind)
    {
        if (Current.Kind != kind)
        {
            return false;
        }

        _index++;
        return true;
    }

    private bool TryConsumeKeyword(string keyword)
    {
        if (!Current.IsKeyword(keyword))
        {
            return false;
        }

        _index++;
        return true;
    }

    private VisibilityQueryException UnexpectedToken() =>
        Current.Kind == QueryTokenKind.End
            ? SyntaxError(Current.End + 1, null)
            : SyntaxError(Current.End + 1, Current.Text);

    // Same shape as the server's parser error, e.g. "syntax error at position 42 near 'foo'".
    private VisibilityQueryException SyntaxError(int position, string? near)
    {
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"{VisibilityQueryMessages.MalformedSqlQuery}: syntax error at position {position + _positionOffset}");
        if (near is not null)
        {
            message += $" near '{near}'";
        }

        return new VisibilityQueryException(message);
    }
}
