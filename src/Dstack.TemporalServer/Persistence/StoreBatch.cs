namespace Dstack.TemporalServer.Persistence;

/// <summary>The changes of one or more engine operations, committed in one transaction.</summary>
/// <param name="Runs">Runs that changed.</param>
/// <param name="DeletedRunIds">Runs that retention removed.</param>
/// <param name="SearchAttributes">The full set of custom search attributes when it changed, else null.</param>
internal sealed record StoreBatch(IReadOnlyList<RunRecord> Runs, IReadOnlyList<string> DeletedRunIds, IReadOnlyList<SearchAttributeRecord>? SearchAttributes)
{
    /// <summary>Gets the schedules that changed, each whole.</summary>
    public IReadOnlyList<ScheduleRecord> Schedules { get; init; } = [];

    /// <summary>Gets the schedules deleted (or closed after their idle retention), by namespace and ID.</summary>
    public IReadOnlyList<(string Namespace, string ScheduleId)> DeletedSchedules { get; init; } = [];
}
