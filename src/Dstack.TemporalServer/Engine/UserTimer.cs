namespace Dstack.TemporalServer.Engine;

/// <summary>A timer started by a StartTimer command; the due time is absolute so that a restart re-arms it with what remains.</summary>
internal sealed record UserTimer(string TimerId, long StartedEventId, DateTime DueTime, ITimer Timer);
