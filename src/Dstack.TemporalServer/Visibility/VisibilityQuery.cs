using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Visibility;

// TEMPORARY STUB: replaced by the real parser.
internal sealed class VisibilityQuery
{
    public bool GroupByExecutionStatus { get; }

    public IReadOnlyList<VisibilityOrder> OrderBy { get; } = [];

    public static VisibilityQuery Parse(string? query, IReadOnlyDictionary<string, IndexedValueType> attributeTypes) => new();

    public bool Matches(IVisibilityRecord record) => record is not null && !GroupByExecutionStatus;
}
