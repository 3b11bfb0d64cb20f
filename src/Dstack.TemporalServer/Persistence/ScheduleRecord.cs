namespace Dstack.TemporalServer.Persistence;

/// <summary>One schedule as stored: its whole state in one row, rewritten when it changes.</summary>
internal sealed record ScheduleRecord(string Namespace, string ScheduleId, byte[] State);
