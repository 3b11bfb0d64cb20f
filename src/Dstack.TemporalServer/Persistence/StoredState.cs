namespace Dstack.TemporalServer.Persistence;

/// <summary>What a store holds: custom search attributes and every run that retention has not removed yet.</summary>
internal sealed record StoredState(IReadOnlyList<SearchAttributeRecord> SearchAttributes, IReadOnlyList<StoredRun> Runs);
