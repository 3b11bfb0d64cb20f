using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>Activities: start, heartbeat, completion, failure with server-side retries, timeouts and cancellation.</content>
internal sealed partial class WorkflowRun
{
    /// <summary>Registers an activity whose ActivityTaskScheduled event was just written and queues its first attempt.</summary>
    public void AddActivity(HistoryEvent scheduled)
    {
        var attributes = scheduled.ActivityTaskScheduledEventAttributes;
        var activity = new ActivityState(scheduled.EventId, attributes, Engine.UtcNow);
        Activities.Add(activity.ScheduledEventId, activity);
        ArmScheduleToCloseTimer(activity);

        QueueActivityAttempt(activity);
    }

    public ActivityState? FindActivity(TaskToken token) =>
        IsOpen && Activities.TryGetValue(token.ScheduledEventId, out var activity) && activity.Started && activity.Attempt == token.Attempt
            ? activity
            : null;

    public RecordActivityTaskHeartbeatResponse Heartbeat(ActivityState activity, Payloads? details)
    {
        activity.HeartbeatDetails = details;
        activity.LastHeartbeatTime = Engine.UtcNow;
        Engine.MarkDirty(this);
        ArmHeartbeatTimer(activity);
        return new RecordActivityTaskHeartbeatResponse
        {
            CancelRequested = activity.CancelRequested,
            ActivityPaused = activity.Paused,
            ActivityReset = activity.ResetRequested,
        };
    }

    public void CompleteActivity(ActivityState activity, Payloads? result, string identity)
    {
        var e = NewEvent(EventType.ActivityTaskCompleted);
        e.ActivityTaskCompletedEventAttributes = new ActivityTaskCompletedEventAttributes
        {
            Result = result,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = LazyStartedId,
            Identity = identity,
        };
        CloseActivity(activity, e);
    }

    public void FailActivity(ActivityState activity, Failure failure, Payloads? lastHeartbeatDetails, string identity)
    {
        if (lastHeartbeatDetails is not null)
        {
            activity.HeartbeatDetails = lastHeartbeatDetails;
        }

        activity.LastWorkerIdentity = identity;
        var retry = ActivityRetry.Decide(activity, failure, isTimeout: false, Engine.UtcNow);
        if (retry.Interval is { } interval)
        {
            RetryActivity(activity, failure, interval);
            return;
        }

        var e = NewEvent(EventType.ActivityTaskFailed);
        e.ActivityTaskFailedEventAttributes = new ActivityTaskFailedEventAttributes
        {
            Failure = failure,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = LazyStartedId,
            Identity = identity,
            RetryState = retry.State,
        };
        CloseActivity(activity, e);
    }

    public void CancelActivity(ActivityState activity, Payloads? details, string identity)
    {
        var e = NewEvent(EventType.ActivityTaskCanceled);
        e.ActivityTaskCanceledEventAttributes = new ActivityTaskCanceledEventAttributes
        {
            Details = details,
            LatestCancelRequestedEventId = activity.CancelRequestedEventId,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = LazyStartedId,
            Identity = identity,
        };
        CloseActivity(activity, e);
    }

    /// <summary>Handles a RequestCancelActivityTask command; true when the activity was canceled at once (a new workflow task is due).</summary>
    public bool RequestCancelActivity(long scheduledEventId, long workflowTaskCompletedEventId)
    {
        var requested = NewEvent(EventType.ActivityTaskCancelRequested);
        requested.ActivityTaskCancelRequestedEventAttributes = new ActivityTaskCancelRequestedEventAttributes
        {
            ScheduledEventId = scheduledEventId,
            WorkflowTaskCompletedEventId = workflowTaskCompletedEventId,
        };
        Write(requested);
        if (!Activities.TryGetValue(scheduledEventId, out var activity))
        {
            return false;
        }

        activity.CancelRequestedEventId = requested.EventId;
        if (activity.Started)
        {
            return false;
        }

        var canceled = NewEvent(EventType.ActivityTaskCanceled);
        canceled.ActivityTaskCanceledEventAttributes = new ActivityTaskCanceledEventAttributes
        {
            LatestCancelRequestedEventId = requested.EventId,
            ScheduledEventId = scheduledEventId,
        };
        Write(canceled);
        activity.CancelAllTimers();
        Activities.Remove(scheduledEventId);
        return true;
    }

    private void QueueActivityAttempt(ActivityState activity)
    {
        if (activity.Paused)
        {
            return;
        }

        var attempt = activity.Attempt;
        var scheduleToStart = activity.Attributes.ScheduleToStartTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (scheduleToStart > TimeSpan.Zero)
        {
            activity.AttemptTimers.Add(Engine.Schedule(scheduleToStart, () => TimeOutActivity(activity, attempt, TimeoutType.ScheduleToStart)));
        }

        Namespace.ActivityQueue(activity.Attributes.TaskQueue.Name).Add(new ActivityTaskEntry(this, activity, attempt));
    }

    private PollActivityTaskQueueResponse? TryStartActivity(ActivityState activity, int attempt, PollerInfo poller)
    {
        if (!IsOpen || !Activities.ContainsKey(activity.ScheduledEventId) || activity.Attempt != attempt || activity.Started || activity.Paused)
        {
            return null;
        }

        activity.CancelAttemptTimers();
        activity.Started = true;
        activity.StartedTime = Engine.UtcNow;
        activity.StartedIdentity = poller.Identity;
        activity.LastWorkerIdentity = poller.Identity;
        activity.StartedRequestId = Guid.NewGuid().ToString();
        Engine.MarkDirty(this);
        ArmStartedAttemptTimers(activity);
        var a = activity.Attributes;
        return new PollActivityTaskQueueResponse
        {
            TaskToken = new TaskToken(TaskTokenKind.ActivityTask, Namespace.Name, WorkflowId, RunId, activity.ScheduledEventId, attempt).ToByteString(),
            WorkflowNamespace = Namespace.Name,
            WorkflowType = StartedAttributes.WorkflowType,
            WorkflowExecution = ExecutionRef,
            ActivityType = a.ActivityType,
            ActivityId = a.ActivityId,
            Header = a.Header,
            Input = a.Input,
            HeartbeatDetails = activity.HeartbeatDetails,
            ScheduledTime = Timestamp.FromDateTime(activity.ScheduledTime),
            CurrentAttemptScheduledTime = Timestamp.FromDateTime(activity.CurrentAttemptScheduledTime),
            StartedTime = Timestamp.FromDateTime(activity.StartedTime),
            Attempt = attempt,
            ScheduleToCloseTimeout = a.ScheduleToCloseTimeout,
            StartToCloseTimeout = a.StartToCloseTimeout,
            HeartbeatTimeout = a.HeartbeatTimeout,
            RetryPolicy = a.RetryPolicy,
            Priority = Priorities.Merge(StartedAttributes.Priority, a.Priority),
        };
    }

    private void ArmStartedAttemptTimers(ActivityState activity)
    {
        var attempt = activity.Attempt;
        var startToClose = activity.Attributes.StartToCloseTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (startToClose > TimeSpan.Zero)
        {
            activity.AttemptTimers.Add(Engine.ScheduleAt(activity.StartedTime + startToClose, () => TimeOutActivity(activity, attempt, TimeoutType.StartToClose)));
        }

        ArmHeartbeatTimer(activity);
    }

    private void ArmScheduleToCloseTimer(ActivityState activity)
    {
        var scheduleToClose = activity.Attributes.ScheduleToCloseTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (scheduleToClose > TimeSpan.Zero)
        {
            activity.ScheduleToCloseTimer = Engine.ScheduleAt(activity.ScheduledTime + scheduleToClose, () => TimeOutActivity(activity, activity.Attempt, TimeoutType.ScheduleToClose));
        }
    }

    /// <summary>Queues the current attempt now, or when its retry backoff ends.</summary>
    private void QueueActivityAttemptWhenDue(ActivityState activity)
    {
        if (activity.CurrentAttemptScheduledTime <= Engine.UtcNow)
        {
            QueueActivityAttempt(activity);
            return;
        }

        activity.AttemptTimers.Add(Engine.ScheduleAt(activity.CurrentAttemptScheduledTime, () =>
        {
            if (IsOpen && Activities.ContainsKey(activity.ScheduledEventId))
            {
                QueueActivityAttempt(activity);
            }
        }));
    }

    private void ArmHeartbeatTimer(ActivityState activity)
    {
        var heartbeat = activity.Attributes.HeartbeatTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (heartbeat <= TimeSpan.Zero)
        {
            return;
        }

        var attempt = activity.Attempt;
        var beat = activity.LastHeartbeatTime;
        // A beat from an earlier attempt does not count: this attempt's clock starts when it started.
        var from = beat is { } last && last > activity.StartedTime ? last : activity.StartedTime;
        activity.AttemptTimers.Add(Engine.ScheduleAt(from + heartbeat, () =>
        {
            // Only the timer armed by the latest heartbeat of this attempt counts.
            if (activity.LastHeartbeatTime == beat)
            {
                TimeOutActivity(activity, attempt, TimeoutType.Heartbeat);
            }
        }));
    }

    private void TimeOutActivity(ActivityState activity, int attempt, TimeoutType type)
    {
        if (!IsOpen || !Activities.ContainsKey(activity.ScheduledEventId) || (type != TimeoutType.ScheduleToClose && activity.Attempt != attempt))
        {
            return;
        }

        var failure = new Failure
        {
            Message = "activity " + TimeoutName(type) + " timeout",
            Source = "Server",
            TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = type, LastHeartbeatDetails = activity.HeartbeatDetails },
        };
        var retry = type is TimeoutType.StartToClose or TimeoutType.Heartbeat
            ? ActivityRetry.Decide(activity, failure, isTimeout: true, Engine.UtcNow)
            : new ActivityRetry(RetryState.Timeout, null);
        if (retry.Interval is { } interval)
        {
            RetryActivity(activity, failure, interval);
            return;
        }

        if (retry.State == RetryState.Timeout && type != TimeoutType.ScheduleToStart)
        {
            failure.TimeoutFailureInfo.TimeoutType = TimeoutType.ScheduleToClose;
            failure.Message = "activity ScheduleToClose timeout";
        }

        failure.Cause = activity.LastFailure;
        var e = NewEvent(EventType.ActivityTaskTimedOut);
        e.ActivityTaskTimedOutEventAttributes = new ActivityTaskTimedOutEventAttributes
        {
            Failure = failure,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = activity.Started ? LazyStartedId : 0,
            RetryState = retry.State,
        };
        CloseActivity(activity, e);
    }

    private static string TimeoutName(TimeoutType type) => type switch
    {
        TimeoutType.StartToClose => "StartToClose",
        TimeoutType.ScheduleToStart => "ScheduleToStart",
        TimeoutType.ScheduleToClose => "ScheduleToClose",
        TimeoutType.Heartbeat => "Heartbeat",
        _ => "Unspecified",
    };

    private void RetryActivity(ActivityState activity, Failure failure, TimeSpan interval)
    {
        activity.CancelAttemptTimers();
        activity.Started = false;
        activity.LastFailure = failure;
        activity.Attempt++;
        if (activity.ResetHeartbeats)
        {
            activity.HeartbeatDetails = null;
            activity.LastHeartbeatTime = null;
        }

        activity.ResetRequested = false;
        activity.ResetHeartbeats = false;
        activity.CurrentAttemptScheduledTime = Engine.UtcNow + interval;
        Engine.MarkDirty(this);
        QueueActivityAttemptWhenDue(activity);
    }

    /// <summary>Writes the lazy Started event (when the attempt started) and the result, for the workflow to see.</summary>
    private void CloseActivity(ActivityState activity, HistoryEvent result)
    {
        activity.CancelAllTimers();
        Activities.Remove(activity.ScheduledEventId);
        var startedOwnedByResult = result.AttributesCase switch
        {
            HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes => result.ActivityTaskTimedOutEventAttributes.StartedEventId == LazyStartedId,
            _ => true,
        };
        if (!activity.Started || !startedOwnedByResult)
        {
            AddForWorkflow(result);
            return;
        }

        var started = NewEvent(EventType.ActivityTaskStarted);
        started.EventTime = Timestamp.FromDateTime(activity.StartedTime);
        started.ActivityTaskStartedEventAttributes = new ActivityTaskStartedEventAttributes
        {
            ScheduledEventId = activity.ScheduledEventId,
            Identity = activity.StartedIdentity,
            RequestId = activity.StartedRequestId,
            Attempt = activity.Attempt,
            LastFailure = activity.LastFailure,
        };
        AddForWorkflow(started, result);
    }

    private sealed record ActivityTaskEntry(WorkflowRun Run, ActivityState Activity, int Attempt) : IQueuedTask
    {
        public IMessage? TryStart(PollerInfo poller) => Run.TryStartActivity(Activity, Attempt, poller);
    }
}
