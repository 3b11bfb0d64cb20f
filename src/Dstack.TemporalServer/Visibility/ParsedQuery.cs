namespace Dstack.TemporalServer.Visibility;

// OrderBy holds the names as written; they are resolved to attributes when compiling.
internal sealed record ParsedQuery(
    QueryNode? Where,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<VisibilityOrder> OrderBy,
    bool HasLimit);
