using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Deployment.V1;
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
    private bool _wftTransient;

    public WftPhase Wft { get; private set; }

    public long WftScheduledEventId { get; private set; }

    public long WftStartedEventId { get; private set; }

    public int WftAttempt { get; private set; } = 1;

    public DateTime WftScheduledTime { get; private set; }

    public DateTime WftStartedTime { get; private set; }

    /// <summary>Gets the start-to-close timeout of the current attempt: the task timeout, longer for a task that keeps failing.</summary>
    public TimeSpan WftTimeout { get; private set; }

    /// <summary>Gets the started event ID of the last completed workflow task, or 0.</summary>
    public long LastCompletedWftStartedEventId { get; private set; }

    /// <summary>Asks for a workflow task: now when none is pending, after the started one completes otherwise.</summary>
    public void RequestWorkflowTask()
    {
        if (_holdWorkflowTask)
        {
            _wftNeeded = true;
            return;
        }

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
        WftTimeout = WorkflowTaskBackoff.StartToCloseTimeout(WorkflowTaskTimeout, WftAttempt);
        WftScheduledTime = Engine.UtcNow;
        _wftOnSticky = StickyAvailable();

        // Real Temporal keeps a retried task (attempt 2 on) out of the history until it completes ("transient"), so a
        // workflow task that keeps failing does not grow the history by three events per attempt.
        _wftTransient = WftAttempt > 1;
        if (_wftTransient)
        {
            WftScheduledEventId = History.Count + 1;
            Engine.MarkDirty(this);
        }
        else
        {
            var e = ScheduledEvent();
            Write(e);
            WftScheduledEventId = e.EventId;
        }

        Wft = WftPhase.Scheduled;
        QueueWorkflowTask();
    }

    private HistoryEvent ScheduledEvent()
    {
        var e = NewEvent(EventType.WorkflowTaskScheduled);
        e.EventTime = Timestamp.FromDateTime(WftScheduledTime);
        e.WorkflowTaskScheduledEventAttributes = new WorkflowTaskScheduledEventAttributes
        {
            TaskQueue = ScheduledTaskQueue(),
            StartToCloseTimeout = Duration.FromTimeSpan(WftTimeout),
            Attempt = WftAttempt,
        };
        return e;
    }

    private HistoryEvent StartedEvent(string identity)
    {
        var e = NewEvent(EventType.WorkflowTaskStarted);
        e.EventTime = Timestamp.FromDateTime(WftStartedTime);
        e.WorkflowTaskStartedEventAttributes = new WorkflowTaskStartedEventAttributes
        {
            ScheduledEventId = WftScheduledEventId,
            Identity = identity,
            RequestId = Guid.NewGuid().ToString(),
            HistorySizeBytes = _historySizeBytes,
        };

        // Real Temporal's getHistorySizeInfo: the size written so far, and the ID this started event takes.
        var reasons = e.WorkflowTaskStartedEventAttributes.SuggestContinueAsNewReasons;
        if (_historySizeBytes >= Engine.Options.SuggestContinueAsNewAfterBytes)
        {
            reasons.Add(SuggestContinueAsNewReason.HistorySizeTooLarge);
        }

        if (History.Count + 1 >= Engine.Options.SuggestContinueAsNewAfterEvents)
        {
            reasons.Add(SuggestContinueAsNewReason.TooManyHistoryEvents);
        }

        e.WorkflowTaskStartedEventAttributes.SuggestContinueAsNew = reasons.Count > 0;
        return e;
    }

    /// <summary>The scheduled and started events of a transient task, numbered as they will be when it completes.</summary>
    private IEnumerable<HistoryEvent> TransientEvents(string identity)
    {
        var scheduled = ScheduledEvent();
        scheduled.EventId = WftScheduledEventId;
        scheduled.TaskId = scheduled.EventId;
        var started = StartedEvent(identity);
        started.EventId = WftStartedEventId;
        started.TaskId = started.EventId;
        return [scheduled, started];
    }

    private void QueueWorkflowTask()
    {
        if (_wftOnSticky)
        {
            QueueOnSticky();
        }
        else
        {
            Namespace.WorkflowQueue(TaskQueueName).Add(new WorkflowTaskEntry(this, WftScheduledEventId, Sticky: false));
        }
    }

    private void ArmWorkflowTaskTimer()
    {
        var scheduledEventId = WftScheduledEventId;
        var attempt = WftAttempt;
        _wftTimer = Engine.ScheduleAt(WftStartedTime + WftTimeout, () => TimeOutWorkflowTask(scheduledEventId, attempt));
    }

    public TaskToken WorkflowTaskToken() =>
        new(TaskTokenKind.WorkflowTask, Namespace.Name, WorkflowId, RunId, WftScheduledEventId, WftAttempt);

    /// <summary>Validates a token of RespondWorkflowTaskCompleted/Failed against the started workflow task.</summary>
    public bool IsCurrentWorkflowTask(TaskToken token) =>
        IsOpen && Wft == WftPhase.Started && token.ScheduledEventId == WftScheduledEventId && token.Attempt == WftAttempt;

    /// <summary>Starts the scheduled workflow task for a poller and builds the poll response.</summary>
    public PollWorkflowTaskQueueResponse? TryStartWorkflowTask(long scheduledEventId, bool sticky, PollerInfo poller)
    {
        if (!IsOpen || Wft != WftPhase.Scheduled || WftScheduledEventId != scheduledEventId || sticky != _wftOnSticky)
        {
            return null;
        }

        if (_wftTransient && WftScheduledEventId != History.Count + 1)
        {
            // Events came since the retry was scheduled: real Temporal makes it a normal task again, attempt 1.
            WftAttempt = 1;
            _wftTransient = false;
            WftTimeout = WorkflowTaskTimeout;
            WftScheduledTime = Engine.UtcNow;
            var scheduled = ScheduledEvent();
            Write(scheduled);
            WftScheduledEventId = scheduled.EventId;
        }

        CancelStickyTimer();
        Wft = WftPhase.Started;
        WftStartedTime = Engine.UtcNow;
        WftStartedEventId = WftScheduledEventId + 1;
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = WorkflowTaskToken().ToByteString(),
            WorkflowExecution = ExecutionRef,
            WorkflowType = StartedAttributes.WorkflowType,
            PreviousStartedEventId = LastCompletedWftStartedEventId,
            StartedEventId = WftStartedEventId,
            Attempt = WftAttempt,
            BacklogCountHint = 0,
            History = new History(),
            NextPageToken = ByteString.Empty,
            WorkflowExecutionTaskQueue = new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal },
            ScheduledTime = Timestamp.FromDateTime(WftScheduledTime),
            StartedTime = Timestamp.FromDateTime(WftStartedTime),
        };
        if (_wftTransient)
        {
            Engine.MarkDirty(this);
            response.History.Events.AddRange(EventsForTask());
            response.History.Events.AddRange(TransientEvents(poller.Identity));
        }
        else
        {
            Write(StartedEvent(poller.Identity));
            response.History.Events.AddRange(EventsForTask());
        }

        ArmWorkflowTaskTimer();
        AttachQueuedQueries(response);
        AttachUpdates(response, WftStartedEventId);
        return response;
    }

    /// <summary>Records a successful workflow task; the caller then applies the commands.</summary>
    public long CompleteWorkflowTask(RespondWorkflowTaskCompletedRequest request)
    {
        CancelWorkflowTaskTimer();
        if (_wftTransient)
        {
            // The task's own events enter the history only now, numbered as the worker saw them.
            foreach (var e in TransientEvents(request.Identity))
            {
                Write(e);
            }

            _wftTransient = false;
        }

        var completed = NewEvent(EventType.WorkflowTaskCompleted);
        completed.WorkflowTaskCompletedEventAttributes = CompletedAttributes(request);
        Write(completed);
        SetSticky(request.StickyAttributes);
        LastCompletedWftStartedEventId = WftStartedEventId;
        Wft = WftPhase.None;
        WftAttempt = 1;
        return completed.EventId;
    }

    /// <summary>
    /// The completed event as real Temporal writes it, with the worker's build ID and deployment: a worker replaying
    /// the history later reads Workflow.CurrentBuildId of each past task from there, so a workflow that branches on
    /// it replays the same way on a worker of another build.
    /// </summary>
    private WorkflowTaskCompletedEventAttributes CompletedAttributes(RespondWorkflowTaskCompletedRequest request)
    {
        var options = request.DeploymentOptions;
        var versioned = options?.WorkerVersioningMode == WorkerVersioningMode.Versioned;
#pragma warning disable CS0612 // Deprecated in the API, yet the SDKs still send them and replay reads them back.
        var deployment = request.Deployment;
        var attributes = new WorkflowTaskCompletedEventAttributes
        {
            ScheduledEventId = WftScheduledEventId,
            StartedEventId = WftStartedEventId,
            Identity = request.Identity,
            BinaryChecksum = request.BinaryChecksum,
            WorkerVersion = request.WorkerVersionStamp,
            SdkMetadata = request.SdkMetadata,
            MeteringMetadata = request.MeteringMetadata,
            WorkerDeploymentName = options?.DeploymentName is { Length: > 0 } name ? name : deployment?.SeriesName ?? string.Empty,
            VersioningBehavior = options is null || versioned ? request.VersioningBehavior : VersioningBehavior.Unspecified,
        };
#pragma warning restore CS0612
        // A version counts only with both its parts, from the options of a versioned worker, else from the older field.
        var (deploymentName, buildId) = versioned ? (options?.DeploymentName, options?.BuildId) : (deployment?.SeriesName, deployment?.BuildId);
        if (!string.IsNullOrEmpty(deploymentName) && !string.IsNullOrEmpty(buildId))
        {
            attributes.DeploymentVersion = new WorkerDeploymentVersion { DeploymentName = deploymentName, BuildId = buildId };
        }

        return attributes;
    }

    /// <summary>After the commands: flush what arrived meanwhile and schedule the next workflow task when needed.</summary>
    public bool FinishWorkflowTaskCompletion(bool forceNewTask)
    {
        var needed = _wftNeeded || _buffer.Count > 0 || forceNewTask;
        FlushBuffer();
        DeliverInitiated();
        needed |= _wftNeeded;
        _wftNeeded = false;
        if (IsOpen && needed)
        {
            ScheduleWorkflowTask();
            return true;
        }

        return false;
    }

    /// <summary>
    /// Fails the started workflow task and schedules the next attempt at once; only a task that is not transient
    /// (attempt 1, or new events came) writes its WorkflowTaskFailed event, as in real Temporal.
    /// </summary>
    public void FailWorkflowTask(WorkflowTaskFailedCause cause, Failure? failure, string identity, bool incrementAttempt = true)
    {
        CancelWorkflowTaskTimer();
        if (!_wftTransient)
        {
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
        }

        RetryWorkflowTask(incrementAttempt);
    }

    private void TimeOutWorkflowTask(long scheduledEventId, int attempt)
    {
        if (!IsOpen || Wft != WftPhase.Started || WftScheduledEventId != scheduledEventId || WftAttempt != attempt)
        {
            return;
        }

        _wftTimer = null;
        if (!_wftTransient)
        {
            var e = NewEvent(EventType.WorkflowTaskTimedOut);
            e.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
            {
                ScheduledEventId = WftScheduledEventId,
                StartedEventId = WftStartedEventId,
                TimeoutType = TimeoutType.StartToClose,
            };
            Write(e);
        }

        RetryWorkflowTask(incrementAttempt: true);
    }

    private void RetryWorkflowTask(bool incrementAttempt)
    {
        // Real Temporal forgets the sticky queue of a task that failed or timed out: the next one carries the whole history.
        ResetSticky();
        Wft = WftPhase.None;
        _wftTransient = false;
        _wftNeeded = false;
        RequeueInFlightQueries();

        // New events make the next task a normal one again (attempt 1): the worker must see them in the history.
        var eventsArrived = _buffer.Count > 0;
        FlushBuffer();
        WftAttempt = incrementAttempt && !eventsArrived ? WftAttempt + 1 : 1;
        Engine.MarkDirty(this);
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

    private sealed record WorkflowTaskEntry(WorkflowRun Run, long ScheduledEventId, bool Sticky) : IQueuedTask
    {
        public IMessage? TryStart(PollerInfo poller) => Run.TryStartWorkflowTask(ScheduledEventId, Sticky, poller);
    }
}
