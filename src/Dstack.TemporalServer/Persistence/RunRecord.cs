namespace Dstack.TemporalServer.Persistence;

/// <summary>
/// A run's changes since its last commit: history is append-only, so only the new events travel, while the
/// mutable state (small: no payloads beyond heartbeat details, memo and search attributes) is rewritten whole.
/// </summary>
internal sealed record RunRecord(string RunId, string Namespace, string WorkflowId, long Sequence, byte[] State, long FirstNewEventId, IReadOnlyList<byte[]> NewEvents);
