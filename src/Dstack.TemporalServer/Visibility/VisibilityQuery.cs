using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Visibility;

// A List/CountWorkflowExecutions query, parsed and checked once, then evaluated per record in memory.
internal sealed class VisibilityQuery
{
    private readonly Func<IVisibilityRecord, bool?> _predicate;

    private VisibilityQuery(
        Func<IVisibilityRecord, bool?> predicate, bool groupByExecutionStatus, IReadOnlyList<VisibilityOrder> orderBy)
    {
        _predicate = predicate;
        GroupByExecutionStatus = groupByExecutionStatus;
        OrderBy = orderBy;
    }

    public bool GroupByExecutionStatus { get; }

    public IReadOnlyList<VisibilityOrder> OrderBy { get; }

    // attributeTypes: every attribute name the namespace knows (system + custom) with its type.
    // Throws VisibilityQueryException whose Message is the text after "invalid query: " that the server puts in
    // InvalidArgument.
    public static VisibilityQuery Parse(string? query, IReadOnlyDictionary<string, IndexedValueType> attributeTypes)
    {
        ArgumentNullException.ThrowIfNull(attributeTypes);
        var parsed = QueryParser.Parse((query ?? string.Empty).Trim());
        var compiler = new QueryCompiler(attributeTypes);

        // Same order of checks as the server's convertSelectStmt, so the same error wins.
        if (parsed.HasLimit)
        {
            throw QueryCompiler.Error(VisibilityQueryMessages.NotSupported, "'LIMIT' clause");
        }

        var predicate = parsed.Where is null ? null : compiler.Compile(parsed.Where);

        if (parsed.GroupBy.Count > 1)
        {
            throw QueryCompiler.Error(VisibilityQueryMessages.NotSupported, "'GROUP BY' clause supports only a single field");
        }

        var groupByExecutionStatus = false;
        foreach (var name in parsed.GroupBy)
        {
            var column = compiler.ResolveColumn(Operand.Of(OperandKind.Column, name));

            // The server also groups by TemporalNamespaceDivision and TemporalLowCardinalityKeyword*, which
            // CountWorkflowExecutions clients do not use; only ExecutionStatus is supported here.
            if (column.FieldName != SystemSearchAttributes.ExecutionStatus)
            {
                throw QueryCompiler.Error(
                    VisibilityQueryMessages.NotSupported,
                    $"'GROUP BY' clause is not supported for search attribute {column.Alias}");
            }

            groupByExecutionStatus = true;
        }

        var orderBy = new List<VisibilityOrder>(parsed.OrderBy.Count);
        foreach (var order in parsed.OrderBy)
        {
            var column = compiler.ResolveColumn(Operand.Of(OperandKind.Column, order.Attribute));
            if (column.Type == IndexedValueType.Text)
            {
                throw QueryCompiler.Error(
                    VisibilityQueryMessages.NotSupported, $"unable to sort by search attribute type {column.Type}");
            }

            orderBy.Add(order with { Attribute = column.FieldName });
        }

        if (!compiler.SeenNamespaceDivision)
        {
            var divisionIsNull = QueryCompiler.IsNull(SystemSearchAttributes.TemporalNamespaceDivision);
            predicate = predicate is null ? divisionIsNull : QueryCompiler.And(divisionIsNull, predicate);
        }

        return new VisibilityQuery(predicate ?? (_ => true), groupByExecutionStatus, orderBy);
    }

    // Only a definite true selects a record: a condition on a missing attribute is SQL's "unknown".
    public bool Matches(IVisibilityRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _predicate(record) == true;
    }
}
