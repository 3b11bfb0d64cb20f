namespace Dstack.TemporalServer.Persistence;

/// <summary>The changes of one or more engine operations, committed in one transaction.</summary>
/// <param name="Runs">Runs that changed.</param>
/// <param name="DeletedRunIds">Runs that retention removed.</param>
/// <param name="SearchAttributes">The full set of custom search attributes when it changed, else null.</param>
internal sealed record StoreBatch(IReadOnlyList<RunRecord> Runs, IReadOnlyList<string> DeletedRunIds, IReadOnlyList<SearchAttributeRecord>? SearchAttributes);
