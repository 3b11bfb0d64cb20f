namespace Dstack.TemporalServer.Engine;

/// <summary>A timer started by a StartTimer command.</summary>
internal sealed record UserTimer(string TimerId, long StartedEventId, ITimer Timer);
