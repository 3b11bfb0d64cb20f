using Temporalio.Api.Common.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>A scheduled activity that has not closed yet (real Temporal's ActivityInfo).</summary>
internal sealed class ActivityState(long scheduledEventId, ActivityTaskScheduledEventAttributes attributes, DateTime scheduledTime)
{
    public long ScheduledEventId { get; } = scheduledEventId;

    public ActivityTaskScheduledEventAttributes Attributes { get; } = attributes;

    public DateTime ScheduledTime { get; } = scheduledTime;

    public DateTime CurrentAttemptScheduledTime { get; set; } = scheduledTime;

    public int Attempt { get; set; } = 1;

    public bool Started { get; set; }

    public DateTime StartedTime { get; set; }

    public string StartedIdentity { get; set; } = string.Empty;

    public string StartedRequestId { get; set; } = string.Empty;

    public Payloads? HeartbeatDetails { get; set; }

    public DateTime? LastHeartbeatTime { get; set; }

    public Failure? LastFailure { get; set; }

    public string LastWorkerIdentity { get; set; } = string.Empty;

    public long CancelRequestedEventId { get; set; }

    public bool CancelRequested => CancelRequestedEventId != 0;

    /// <summary>Gets or sets the pause of PauseActivity; while set, no attempt is dispatched (a running one may finish).</summary>
    public ActivityPause? Pause { get; set; }

    public bool Paused => Pause is not null;

    /// <summary>Gets or sets a value indicating whether ResetActivity restarted the attempts while one ran; heartbeats then answer activity_reset.</summary>
    public bool ResetRequested { get; set; }

    /// <summary>Gets or sets a value indicating whether the next attempt starts without the heartbeat details (ResetActivity's reset_heartbeat).</summary>
    public bool ResetHeartbeats { get; set; }

    /// <summary>Gets timers of the current attempt (start-to-close, heartbeat, schedule-to-start, retry backoff).</summary>
    public List<ITimer> AttemptTimers { get; } = [];

    public ITimer? ScheduleToCloseTimer { get; set; }

    public void CancelAttemptTimers()
    {
        foreach (var timer in AttemptTimers)
        {
            timer.Dispose();
        }

        AttemptTimers.Clear();
    }

    public void CancelAllTimers()
    {
        CancelAttemptTimers();
        ScheduleToCloseTimer?.Dispose();
        ScheduleToCloseTimer = null;
    }
}
