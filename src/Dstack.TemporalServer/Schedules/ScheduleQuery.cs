using Dstack.TemporalServer.Visibility;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// The list filter of ListSchedules and CountSchedules: the visibility query language over the schedules' own search
/// attributes, <c>TemporalSchedulePaused</c> and <c>ScheduleId</c>, as real Temporal runs it over its scheduler rows.
/// </summary>
internal static class ScheduleQuery
{
    public const string ScheduleIdAttribute = "ScheduleId";

    public const string PausedAttribute = "TemporalSchedulePaused";

    /// <summary>Real Temporal filters the schedules' rows out of its visibility store with this condition, then adds the user's.</summary>
    public static string WithinSchedules(string query) =>
        $"{SystemSearchAttributes.TemporalNamespaceDivision} = '{ScheduleLimits.NamespaceDivision}'" +
        (string.IsNullOrWhiteSpace(query) ? string.Empty : $" AND ({query})");

    /// <summary>The first system attribute the query names that schedules cannot be filtered on (all but TemporalSchedulePaused), or null.</summary>
    public static string? ForbiddenAttribute(string query)
    {
        var parsed = QueryParser.Parse(query.Trim());
        return Names(parsed.Where).Concat(parsed.GroupBy).Concat(parsed.OrderBy.Select(o => o.Attribute))
            .FirstOrDefault(name => SystemSearchAttributes.All.ContainsKey(name) && name != PausedAttribute);
    }

    private static IEnumerable<string> Names(QueryNode? node) => node switch
    {
        AndNode and => Names(and.Left).Concat(Names(and.Right)),
        OrNode or => Names(or.Left).Concat(Names(or.Right)),
        NotNode not => Names(not.Inner),
        ComparisonNode comparison => Names(comparison.Left).Concat(Names(comparison.Right)),
        IsNode isNode => Names(isNode.Left),
        RangeNode range => Names(range.Left),
        OperandNode operand => Names(operand.Value),
        _ => [],
    };

    private static IEnumerable<string> Names(Operand operand) => operand.Kind == OperandKind.Column ? [operand.Text] : [];
}
