using System.Globalization;
using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Visibility;

// Checks a parsed query against the namespace's attributes, in the order and with the messages of the server's
// QueryConverter (common/persistence/visibility/store/query/converter.go), and turns it into closures.
// Predicates are three-valued like SQL: null means "unknown" (a comparison with a missing attribute),
// NOT keeps it unknown, and only a true result selects a record.
internal sealed class QueryCompiler(IReadOnlyDictionary<string, IndexedValueType> attributeTypes)
{
    private const string ReservedPrefix = "Temporal";
    private const string ScheduleIdAlias = "ScheduleId";

    private static readonly string[] KeywordOperators =
        ["=", "!=", "<", ">", "<=", ">=", "in", "not in", "starts_with", "not starts_with"];

    private static readonly string[] KeywordListOperators = ["=", "!=", "in", "not in"];
    private static readonly string[] TextOperators = ["=", "!="];
    private static readonly string[] ComparisonOperators = ["=", "!=", "<", ">", "<=", ">=", "in", "not in"];

    // The server hides records with a TemporalNamespaceDivision (e.g. schedulers' workflows) unless the query
    // names that attribute anywhere.
    public bool SeenNamespaceDivision { get; private set; }

    public static Func<IVisibilityRecord, bool?> And(Func<IVisibilityRecord, bool?> left, Func<IVisibilityRecord, bool?> right) =>
        record =>
        {
            var l = left(record);
            if (l == false)
            {
                return false;
            }

            var r = right(record);
            return r == false ? false : l == true && r == true ? true : null;
        };

    public static Func<IVisibilityRecord, bool?> IsNull(string fieldName) => record => record.GetValue(fieldName) is null;

    public Func<IVisibilityRecord, bool?> Compile(QueryNode node) => node switch
    {
        AndNode and => And(Compile(and.Left), Compile(and.Right)),
        OrNode or => Or(Compile(or.Left), Compile(or.Right)),
        NotNode not => Not(Compile(not.Inner)),
        ComparisonNode comparison => CompileComparison(comparison),
        RangeNode range => CompileRange(range),
        IsNode isNode => CompileIs(isNode),
        OperandNode { Value.Kind: OperandKind.Column } => throw Error(VisibilityQueryMessages.InvalidExpression, "incomplete expression"),
        OperandNode bare => throw Error(VisibilityQueryMessages.NotSupported, $"expression of type {GoFormat.NodeTypeName(bare.Value)}"),
        _ => throw new InvalidOperationException($"Unexpected node {node}."),
    };

    public ResolvedAttribute ResolveColumn(Operand operand)
    {
        if (operand.Kind != OperandKind.Column)
        {
            throw Error(VisibilityQueryMessages.InvalidExpression, $"must be a column name but was {GoFormat.NodeTypeName(operand)}");
        }

        var resolved = Resolve(operand.Text);
        if (resolved.FieldName == SystemSearchAttributes.TemporalNamespaceDivision)
        {
            SeenNamespaceDivision = true;
        }

        return resolved;
    }

    public static VisibilityQueryException Error(string prefix, string detail) => new($"{prefix}: {detail}");

    private static Func<IVisibilityRecord, bool?> Or(Func<IVisibilityRecord, bool?> left, Func<IVisibilityRecord, bool?> right) =>
        record =>
        {
            var l = left(record);
            if (l == true)
            {
                return true;
            }

            var r = right(record);
            return r == true ? true : l == false && r == false ? false : null;
        };

    private static Func<IVisibilityRecord, bool?> Not(Func<IVisibilityRecord, bool?> inner) => record => !inner(record);

    // Custom attributes first, then system ones (one map here), then the "ScheduleId" alias and the
    // name with the "Temporal" prefix added or removed, as in the server's resolveSearchAttributeAlias.
    private ResolvedAttribute Resolve(string alias)
    {
        if (attributeTypes.TryGetValue(alias, out var type))
        {
            return new ResolvedAttribute(alias, alias, type);
        }

        string fieldName;
        if (alias.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            fieldName = alias[ReservedPrefix.Length..];
            if (fieldName == ScheduleIdAlias)
            {
                fieldName = SystemSearchAttributes.WorkflowId;
            }
        }
        else
        {
            fieldName = alias == ScheduleIdAlias ? SystemSearchAttributes.WorkflowId : ReservedPrefix + alias;
        }

        if (attributeTypes.TryGetValue(fieldName, out type))
        {
            return new ResolvedAttribute(alias, fieldName, type);
        }

        throw Error(VisibilityQueryMessages.InvalidExpression, $"column name '{alias}' is not a valid search attribute");
    }

    private Func<IVisibilityRecord, bool?> CompileComparison(ComparisonNode node)
    {
        var column = ResolveColumn(node.Left);
        var values = node.Right.Kind == OperandKind.Tuple
            ? node.Right.Items.Select(item => ConvertValue(item, column)).ToArray()
            : [ConvertValue(node.Right, column)];
        var op = node.Operator;
        var supported = column.Type switch
        {
            IndexedValueType.Keyword => KeywordOperators,
            IndexedValueType.KeywordList => KeywordListOperators,
            IndexedValueType.Text => TextOperators,
            _ => ComparisonOperators,
        };
        if (!supported.Contains(op))
        {
            throw Error(
                VisibilityQueryMessages.NotSupported,
                $"operator '{op.ToUpperInvariant()}' not supported for {column.Type} type search attribute '{column.Alias}'");
        }

        switch (column.Type)
        {
            case IndexedValueType.KeywordList:
                return CompileKeywordList(column.FieldName, op, [.. values.Cast<string>()]);
            case IndexedValueType.Text:
                var matcher = TextMatcher.TryCreate((string)values[0]) ?? throw Error(
                    VisibilityQueryMessages.InvalidExpression,
                    "unexpected value for Text type search attribute (no tokens found)");
                var notEqual = op == "!=";
                return Scalar(column.FieldName, ReadString, text => matcher.Matches(text) != notEqual);
            case IndexedValueType.Keyword when op.EndsWith("starts_with", StringComparison.Ordinal):
                if (values[0] is not string prefix)
                {
                    // ExecutionStatus is stored as a number, so the server cannot build a LIKE for it.
                    throw Error(
                        VisibilityQueryMessages.InvalidExpression,
                        $"right-hand side of {GoFormat.Quote(op)} operator must be a literal string (got: {ExecutionStatusNames.NameOf((long)values[0])})");
                }

                var negate = op.StartsWith("not", StringComparison.Ordinal);
                return Scalar(column.FieldName, ReadString, value => value.StartsWith(prefix, StringComparison.Ordinal) != negate);
            default:
                return CompileOrdered(column, op, values);
        }
    }

    private Func<IVisibilityRecord, bool?> CompileRange(RangeNode node)
    {
        var column = ResolveColumn(node.Left);
        if (column.Type is not (IndexedValueType.Datetime or IndexedValueType.Double or IndexedValueType.Int or IndexedValueType.Keyword))
        {
            throw Error(
                VisibilityQueryMessages.InvalidExpression,
                $"cannot do range condition on search attribute '{column.Alias}' of type {column.Type}");
        }

        object[] values = [ConvertValue(node.From, column), ConvertValue(node.To, column)];
        return CompileOrdered(column, node.Negated ? "not between" : "between", values);
    }

    private Func<IVisibilityRecord, bool?> CompileIs(IsNode node)
    {
        var column = ResolveColumn(node.Left);
        return node.Operator switch
        {
            "is null" => IsNull(column.FieldName),
            "is not null" => record => record.GetValue(column.FieldName) is not null,
            _ => throw Error(
                VisibilityQueryMessages.InvalidExpression,
                "'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL'"),
        };
    }

    private static Func<IVisibilityRecord, bool?> CompileOrdered(ResolvedAttribute column, string op, object[] values)
    {
        var field = column.FieldName;
        if (field == SystemSearchAttributes.ExecutionStatus)
        {
            return Scalar(field, ReadExecutionStatus, BuildTest(op, [.. values.Cast<long>()], Comparer<long>.Default));
        }

        switch (column.Type)
        {
            case IndexedValueType.Keyword:
                return Scalar(field, ReadString, BuildTest(op, [.. values.Cast<string>()], StringComparer.Ordinal));
            case IndexedValueType.Bool:
                return Scalar(field, ReadBool, BuildTest(op, [.. values.Cast<bool>()], Comparer<bool>.Default));
            case IndexedValueType.Datetime:
                return Scalar(field, ReadDatetimeTicks, BuildTest(op, [.. values.Cast<long>()], Comparer<long>.Default));
            case IndexedValueType.Int when values.All(value => value is long):
                return Scalar(field, ReadLong, BuildTest(op, [.. values.Cast<long>()], Comparer<long>.Default));
            default:
                // Double, or Int compared with a fractional literal (the server allows it and lets SQL compare).
                var doubles = values.Select(value => Convert.ToDouble(value, CultureInfo.InvariantCulture)).ToArray();
                return Scalar(field, ReadDouble, BuildTest(op, doubles, Comparer<double>.Default));
        }
    }

    private static Func<T, bool> BuildTest<T>(string op, T[] values, IComparer<T> comparer)
    {
        var first = values[0];
        switch (op)
        {
            case "=":
                return value => comparer.Compare(value, first) == 0;
            case "!=":
                return value => comparer.Compare(value, first) != 0;
            case "<":
                return value => comparer.Compare(value, first) < 0;
            case "<=":
                return value => comparer.Compare(value, first) <= 0;
            case ">":
                return value => comparer.Compare(value, first) > 0;
            case ">=":
                return value => comparer.Compare(value, first) >= 0;
            case "between":
                return value => comparer.Compare(value, first) >= 0 && comparer.Compare(value, values[1]) <= 0;
            case "not between":
                return value => comparer.Compare(value, first) < 0 || comparer.Compare(value, values[1]) > 0;
            case "in":
            case "not in":
                var negate = op == "not in";
                return value => Contains(values, value, comparer) != negate;
            default:
                throw new InvalidOperationException($"Unexpected operator {op}.");
        }
    }

    // A loop rather than Array.Exists: a lambda capturing the value would allocate on every record.
    private static bool Contains<T>(T[] values, T value, IComparer<T> comparer)
    {
        foreach (var candidate in values)
        {
            if (comparer.Compare(value, candidate) == 0)
            {
                return true;
            }
        }

        return false;
    }

    // "=" means the list contains the value, "IN" that it contains any of them; "!=" and "NOT IN" negate.
    private static Func<IVisibilityRecord, bool?> CompileKeywordList(string field, string op, string[] values)
    {
        var wanted = values.ToHashSet(StringComparer.Ordinal);
        var negate = op is "!=" or "not in";
        return record => record.GetValue(field) switch
        {
            null => null,
            string single => wanted.Contains(single) != negate,
            IEnumerable<string> list => list.Any(wanted.Contains) != negate,
            _ => null,
        };
    }

    private static Func<IVisibilityRecord, bool?> Scalar<T>(
        string field, Func<object, (bool Ok, T Value)> read, Func<T, bool> test) =>
        record =>
        {
            var raw = record.GetValue(field);
            if (raw is null)
            {
                return null;
            }

            var (ok, value) = read(raw);
            return ok ? test(value) : null;
        };

    private static (bool, string) ReadString(object raw) => raw is string s ? (true, s) : (false, string.Empty);

    private static (bool, bool) ReadBool(object raw) => raw is bool b ? (true, b) : (false, false);

    private static (bool, long) ReadLong(object raw) => raw switch
    {
        long l => (true, l),
        int i => (true, i),
        _ => (false, 0),
    };

    private static (bool, double) ReadDouble(object raw) => raw switch
    {
        double d => (true, d),
        float f => (true, f),
        long l => (true, l),
        int i => (true, i),
        _ => (false, 0),
    };

    private static (bool, long) ReadDatetimeTicks(object raw) => raw switch
    {
        DateTimeOffset dto => (true, dto.UtcTicks),
        DateTime { Kind: DateTimeKind.Local } dt => (true, dt.ToUniversalTime().Ticks),
        DateTime dt => (true, dt.Ticks),
        _ => (false, 0),
    };

    private static (bool, long) ReadExecutionStatus(object raw) => raw switch
    {
        string name when ExecutionStatusNames.TryGetNumber(name, out var number) => (true, number),
        WorkflowExecutionStatus status => (true, (long)status),
        long l => (true, l),
        int i => (true, i),
        _ => (false, 0),
    };

    // sqlquery.ParseValue followed by the per-attribute checks of parseSQLVal; returns string, long
    // (also for Datetime as UTC ticks and for ExecutionStatus as its number), double or bool.
    private static object ConvertValue(Operand operand, ResolvedAttribute column)
    {
        var value = operand.Kind switch
        {
            OperandKind.String => operand.Text,
            OperandKind.Bool => operand.Text == "true",
            OperandKind.Number => ParseNumber(operand.Text),
            OperandKind.Column => throw Error(
                VisibilityQueryMessages.NotSupported,
                $"column name on the right side of comparison expression (did you forget to quote {GoFormat.Quote(operand.Text)}?)"),
            _ => throw Error(VisibilityQueryMessages.InvalidExpression, $"unexpected value type {GoFormat.NodeTypeName(operand)}"),
        };

        return column.FieldName switch
        {
            SystemSearchAttributes.ExecutionStatus => ConvertExecutionStatus(value),
            SystemSearchAttributes.ExecutionDuration => ConvertExecutionDuration(value),
            _ => ConvertByType(value, column),
        };
    }

    private static object ParseNumber(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        throw Error(VisibilityQueryMessages.InvalidExpression, $"unable to parse value {GoFormat.Quote(text)}");
    }

    private static long ConvertExecutionStatus(object value) => value switch
    {
        long number when ExecutionStatusNames.IsDefined(number) => number,
        long number => throw Error(
            VisibilityQueryMessages.InvalidExpression,
            string.Create(CultureInfo.InvariantCulture, $"invalid {SystemSearchAttributes.ExecutionStatus} value {number}")),
        string name when ExecutionStatusNames.TryGetNumber(name, out var number) => number,
        string name => throw Error(
            VisibilityQueryMessages.InvalidExpression,
            $"invalid {SystemSearchAttributes.ExecutionStatus} value '{name}'"),
        _ => throw Error(
            VisibilityQueryMessages.InvalidExpression,
            $"unexpected value type {GoFormat.TypeName(value)} for search attribute {SystemSearchAttributes.ExecutionStatus}"),
    };

    private static long ConvertExecutionDuration(object value) => value switch
    {
        long nanoseconds => nanoseconds,
        string text when GoDurationParser.TryParseNanoseconds(text, out var nanoseconds) => nanoseconds,
        string text => throw Error(
            VisibilityQueryMessages.InvalidExpression,
            $"invalid duration value for search attribute {SystemSearchAttributes.ExecutionDuration}: {text}"),
        _ => throw Error(
            VisibilityQueryMessages.InvalidExpression,
            $"unexpected value type {GoFormat.TypeName(value)} for search attribute {SystemSearchAttributes.ExecutionDuration}"),
    };

    private static object ConvertByType(object value, ResolvedAttribute column)
    {
        var typeError = Error(
            VisibilityQueryMessages.InvalidExpression,
            $"invalid value type for search attribute {column.Alias} of type {column.Type}: {GoFormat.SharpV(value)} (type: {GoFormat.TypeName(value)})");
        return column.Type switch
        {
            IndexedValueType.Int or IndexedValueType.Double => value is long or double ? value : throw typeError,

            // The server takes only bare true/false; quoted 'true'/'false' is accepted here as well.
            IndexedValueType.Bool => value switch
            {
                bool => value,
                string text when bool.TryParse(text, out var parsed) => parsed,
                _ => throw typeError,
            },
            IndexedValueType.Datetime => value switch
            {
                long nanoseconds => DateTimeOffset.UnixEpoch.Ticks + (nanoseconds / TimeSpan.NanosecondsPerTick),
                string text => Rfc3339.TryParseUtcTicks(text, out var ticks)
                    ? ticks
                    : throw Error(VisibilityQueryMessages.InvalidExpression, $"unable to parse datetime '{text}'"),
                _ => throw typeError,
            },
            IndexedValueType.Keyword or IndexedValueType.KeywordList or IndexedValueType.Text =>
                value is string ? value : throw typeError,
            _ => throw Error(
                VisibilityQueryMessages.InvalidExpression,
                $"unknown search attribute type {column.Type} for {column.Alias}"),
        };
    }
}
