namespace Dstack.TemporalServer.Engine;

/// <content>
/// Operator control of pending activities, as real Temporal's history service does it (workflow/activity.go): a paused
/// activity gets no new attempt until it is unpaused (a running attempt may finish, its heartbeats answer
/// activity_paused), and a reset starts the attempts again from 1.
/// </content>
internal sealed partial class WorkflowRun
{
    /// <summary>The pending activities a request names: by activity ID, by activity type, or all of them.</summary>
    public List<ActivityState> MatchActivities(string? activityId, string? activityType, bool all) =>
        [.. Activities.Values.Where(a => all
            || (activityId is not null && a.Attributes.ActivityId == activityId)
            || (activityType is not null && a.Attributes.ActivityType.Name == activityType))];

    /// <summary>Pauses an activity; false when another request paused it already (the same request again is a no-op).</summary>
    public bool PauseActivity(ActivityState activity, ActivityPause pause)
    {
        if (activity.Pause is { } existing)
        {
            return existing.RequestId == pause.RequestId;
        }

        activity.Pause = pause;
        if (!activity.Started)
        {
            // No schedule-to-start or retry timer runs while paused; the queued attempt is dropped when polled.
            activity.CancelAttemptTimers();
        }

        Engine.MarkDirty(this);
        return true;
    }

    public void UnpauseActivity(ActivityState activity, bool resetAttempts, bool resetHeartbeat, TimeSpan jitter)
    {
        if (!activity.Paused)
        {
            return;
        }

        activity.Pause = null;
        if (resetAttempts)
        {
            activity.Attempt = 1;
        }

        if (resetHeartbeat)
        {
            activity.HeartbeatDetails = null;
            activity.LastHeartbeatTime = null;
        }

        if (!activity.Started)
        {
            DispatchAgain(activity, jitter);
        }

        Engine.MarkDirty(this);
    }

    public void ResetActivity(ActivityState activity, bool resetHeartbeats, bool keepPaused, TimeSpan jitter)
    {
        activity.Attempt = 1;
        activity.ResetRequested = true;
        activity.ResetHeartbeats |= resetHeartbeats;
        if (!keepPaused)
        {
            activity.Pause = null;
        }

        Engine.MarkDirty(this);
        if (activity.Started)
        {
            // The running attempt keeps its own timeouts, now counted for attempt 1.
            activity.CancelAttemptTimers();
            ArmStartedAttemptTimers(activity);
            return;
        }

        if (activity.Paused)
        {
            return;
        }

        if (resetHeartbeats)
        {
            activity.HeartbeatDetails = null;
            activity.LastHeartbeatTime = null;
        }

        DispatchAgain(activity, jitter);
    }

    /// <summary>Queues the current attempt now, or within a random part of <paramref name="jitter"/>, whatever backoff it was waiting out.</summary>
    private void DispatchAgain(ActivityState activity, TimeSpan jitter)
    {
        activity.CancelAttemptTimers();
        var offset = jitter > TimeSpan.Zero ? TimeSpan.FromTicks(Random.Shared.NextInt64(jitter.Ticks)) : TimeSpan.Zero;
        activity.CurrentAttemptScheduledTime = Engine.UtcNow + offset;
        QueueActivityAttemptWhenDue(activity);
    }
}
