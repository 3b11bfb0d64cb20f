namespace Dstack.TemporalServer.Persistence;

/// <summary>What a store holds: the cluster's ID, custom search attributes and every run that retention has not removed yet.</summary>
internal sealed record StoredState(string ClusterId, IReadOnlyList<SearchAttributeRecord> SearchAttributes, IReadOnlyList<StoredRun> Runs)
{
    /// <summary>Gets every schedule that was not deleted.</summary>
    public IReadOnlyList<ScheduleRecord> Schedules { get; init; } = [];
}
