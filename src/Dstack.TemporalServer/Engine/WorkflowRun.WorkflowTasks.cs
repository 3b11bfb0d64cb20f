using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>Workflow tasks: scheduling, starting, completion, failure and timeout.</content>
internal sealed partial class WorkflowRun
{
    private ITimer? _wftTimer;
    private bool _wftNeeded;

    public WftPhase Wft { get; private set; }

    public long WftScheduledEventId { get; private set; }

    public long WftStartedEventId { get; private set; }

    public int WftAttempt { get; private set; } = 1;

    public DateTime WftScheduledTime { get; private set; }

    public DateTime WftStartedTime { get; private set; }

    /// <summary>Gets the started event ID of the last completed workflow task, or 0.</summary>
    public long LastCompletedWftStartedEventId { get; private set; }

    /// <summary>Asks for a workflow task: now when none is pending, after the started one completes otherwise.</summary>
    public void RequestWorkflowTask()
    {
        switch (Wft)
        {
            case WftPhase.None when IsOpen:
                ScheduleWorkflowTask();
                break;
            case WftPhase.Started:
                _wftNeeded = true;
                Engine.MarkDirty(this);
                break;
            default:
                break;
        }
    }

    public void ScheduleWorkflowTask()
    {
        var e = NewEvent(EventType.WorkflowTaskScheduled);
        e.WorkflowTaskScheduledEventAttributes = new WorkflowTaskScheduledEventAttributes
        {
            TaskQueue = new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal },
            StartToCloseTimeout = Duration.FromTimeSpan(WorkflowTaskTimeout),
            Attempt = WftAttempt,
        };
        Write(e);
        Wft = WftPhase.Scheduled;
        WftScheduledEventId = e.EventId;
        WftScheduledTime = Engine.UtcNow;
        QueueWorkflowTask();
    }

    private void QueueWorkflowTask() => Namespace.WorkflowQueue(TaskQueueName).Add(new WorkflowTaskEntry(this, WftScheduledEventId));

    private void ArmWorkflowTaskTimer()
    {
        var scheduledEventId = WftScheduledEventId;
        var attempt = WftAttempt;
        _wftTimer = Engine.ScheduleAt(WftStartedTime + WorkflowTaskTimeout, () => TimeOutWorkflowTask(scheduledEventId, attempt));
    }

    public TaskToken WorkflowTaskToken() =>
        new(TaskTokenKind.WorkflowTask, Namespace.Name, WorkflowId, RunId, WftScheduledEventId, WftAttempt);

    /// <summary>Validates a token of RespondWorkflowTaskCompleted/Failed against the started workflow task.</summary>
    public bool IsCurrentWorkflowTask(TaskToken token) =>
        IsOpen && Wft == WftPhase.Started && token.ScheduledEventId == WftScheduledEventId && token.Attempt == WftAttempt;

    /// <summary>Starts the scheduled workflow task for a poller and builds the poll response.</summary>
    public PollWorkflowTaskQueueResponse? TryStartWorkflowTask(long scheduledEventId, PollerInfo poller)
    {
        if (!IsOpen || Wft != WftPhase.Scheduled || WftScheduledEventId != scheduledEventId)
        {
            return null;
        }

        var started = NewEvent(EventType.WorkflowTaskStarted);
        started.WorkflowTaskStartedEventAttributes = new WorkflowTaskStartedEventAttributes
        {
            ScheduledEventId = scheduledEventId,
            Identity = poller.Identity,
            RequestId = Guid.NewGuid().ToString(),
            HistorySizeBytes = _historySizeBytes,
            SuggestContinueAsNew = History.Count + 1 >= Engine.Options.SuggestContinueAsNewAfterEvents || _historySizeBytes >= Engine.Options.SuggestContinueAsNewAfterBytes,
        };
        Write(started);
        Wft = WftPhase.Started;
        WftStartedEventId = started.EventId;
        WftStartedTime = Engine.UtcNow;
        var attempt = WftAttempt;
        ArmWorkflowTaskTimer();

        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = WorkflowTaskToken().ToByteString(),
            WorkflowExecution = ExecutionRef,
            WorkflowType = StartedAttributes.WorkflowType,
            PreviousStartedEventId = LastCompletedWftStartedEventId,
            StartedEventId = started.EventId,
            Attempt = attempt,
            BacklogCountHint = 0,
            History = new History(),
            NextPageToken = ByteString.Empty,
            WorkflowExecutionTaskQueue = new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal },
            ScheduledTime = Timestamp.FromDateTime(WftScheduledTime),
            StartedTime = Timestamp.FromDateTime(WftStartedTime),
        };
        response.History.Events.AddRange(History);
        AttachQueuedQueries(response);
        AttachUpdates(response, started.EventId);
        return response;
    }

    /// <summary>Records a successful workflow task; the caller then applies the commands.</summary>
    public long CompleteWorkflowTask(RespondWorkflowTaskCompletedRequest request)
    {
        CancelWorkflowTaskTimer();
        var e = NewEvent(EventType.WorkflowTaskCompleted);
        e.WorkflowTaskCompletedEventAttributes = new WorkflowTaskCompletedEventAttributes
        {
            ScheduledEventId = WftScheduledEventId,
            StartedEventId = WftStartedEventId,
            Identity = request.Identity,
            SdkMetadata = request.SdkMetadata,
            MeteringMetadata = request.MeteringMetadata,
        };
        Write(e);
        LastCompletedWftStartedEventId = WftStartedEventId;
        Wft = WftPhase.None;
        WftAttempt = 1;
        return e.EventId;
    }

    /// <summary>After the commands: flush what arrived meanwhile and schedule the next workflow task when needed.</summary>
    public bool FinishWorkflowTaskCompletion(bool forceNewTask)
    {
        var needed = _wftNeeded || _buffer.Count > 0 || forceNewTask;
        _wftNeeded = false;
        FlushBuffer();
        if (IsOpen && needed)
        {
            ScheduleWorkflowTask();
            return true;
        }

        return false;
    }

    public void FailWorkflowTask(WorkflowTaskFailedCause cause, Failure? failure, string identity, bool incrementAttempt = true)
    {
        CancelWorkflowTaskTimer();
        var e = NewEvent(EventType.WorkflowTaskFailed);
        e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
        {
            ScheduledEventId = WftScheduledEventId,
            StartedEventId = WftStartedEventId,
            Cause = cause,
            Failure = failure,
            Identity = identity,
        };
        Write(e);
        RetryWorkflowTask(incrementAttempt);
    }

    private void TimeOutWorkflowTask(long scheduledEventId, int attempt)
    {
        if (!IsOpen || Wft != WftPhase.Started || WftScheduledEventId != scheduledEventId || WftAttempt != attempt)
        {
            return;
        }

        _wftTimer = null;
        var e = NewEvent(EventType.WorkflowTaskTimedOut);
        e.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
        {
            ScheduledEventId = WftScheduledEventId,
            StartedEventId = WftStartedEventId,
            TimeoutType = TimeoutType.StartToClose,
        };
        Write(e);
        RetryWorkflowTask(incrementAttempt: true);
    }

    private void RetryWorkflowTask(bool incrementAttempt)
    {
        Wft = WftPhase.None;
        _wftNeeded = false;
        RequeueInFlightQueries();
        FlushBuffer();
        WftAttempt = incrementAttempt ? WftAttempt + 1 : 1;
        if (IsOpen)
        {
            ScheduleWorkflowTask();
        }
    }

    private void CancelWorkflowTaskTimer()
    {
        _wftTimer?.Dispose();
        _wftTimer = null;
    }

    private sealed record WorkflowTaskEntry(WorkflowRun Run, long ScheduledEventId) : IQueuedTask
    {
        public IMessage? TryStart(PollerInfo poller) => Run.TryStartWorkflowTask(ScheduledEventId, poller);
    }
}
