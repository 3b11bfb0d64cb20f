namespace Dstack.TemporalServer.Engine;

/// <summary>Who paused an activity, when and why (real Temporal's ActivityInfo.PauseInfo, manual kind).</summary>
internal sealed record ActivityPause(DateTime PauseTime, string Identity, string Reason, string RequestId);
