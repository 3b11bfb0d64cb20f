namespace Dstack.TemporalServer.Persistence;

/// <summary>One run as stored: its mutable state and its history, events in order.</summary>
internal sealed record StoredRun(string RunId, string Namespace, string WorkflowId, long Sequence, byte[] State, IReadOnlyList<byte[]> Events);
