using System.Globalization;
using System.Text.Json;
using Dstack.TemporalServer.Visibility;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// The mutable state of one workflow run and its event history (real Temporal's mutable state).
/// Every member is called under the engine lock.
/// </summary>
internal sealed partial class WorkflowRun : IVisibilityRecord
{
    private readonly List<HistoryEvent> _buffer = [];
    private readonly Dictionary<long, long> _lazyStartedIds = [];
    private readonly List<ITimer> _runTimers = [];
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _historySizeBytes;

    public WorkflowRun(TemporalEngine engine, ServerNamespace ns, string workflowId, string runId, string requestId, WorkflowExecutionStartedEventAttributes started, DateTime? startTime = null, long? sequence = null)
    {
        Engine = engine;
        Sequence = sequence ?? engine.NextRunSequence();
        Namespace = ns;
        WorkflowId = workflowId;
        RunId = runId;
        RequestId = requestId;
        StartedAttributes = started;
        StartTime = startTime ?? engine.UtcNow;
        ExecutionTime = started.FirstWorkflowTaskBackoff is { } backoff ? StartTime + backoff.ToTimeSpan() : StartTime;
        Memo = started.Memo?.Clone() ?? new Memo();
        foreach (var (key, value) in started.SearchAttributes?.IndexedFields ?? [])
        {
            SearchAttributes[key] = value;
        }
    }

    public TemporalEngine Engine { get; }

    /// <summary>Gets the run's creation order across the server; restore rebuilds each workflow ID's run list in this order.</summary>
    public long Sequence { get; }

    public ServerNamespace Namespace { get; }

    public string WorkflowId { get; }

    public string RunId { get; }

    public string RequestId { get; }

    public WorkflowExecutionStartedEventAttributes StartedAttributes { get; }

    public string WorkflowType => StartedAttributes.WorkflowType.Name;

    public string TaskQueueName => StartedAttributes.TaskQueue.Name;

    public TimeSpan WorkflowTaskTimeout => StartedAttributes.WorkflowTaskTimeout.ToTimeSpan();

    public List<HistoryEvent> History { get; } = [];

    public WorkflowExecutionStatus Status { get; private set; } = WorkflowExecutionStatus.Running;

    public bool IsOpen => Status == WorkflowExecutionStatus.Running;

    public DateTime StartTime { get; }

    public DateTime ExecutionTime { get; }

    public DateTime? CloseTime { get; private set; }

    public HistoryEvent? CloseEvent { get; private set; }

    public Memo Memo { get; }

    public Dictionary<string, Payload> SearchAttributes { get; } = new(StringComparer.Ordinal);

    public Dictionary<long, ActivityState> Activities { get; } = [];

    public Dictionary<string, UserTimer> Timers { get; } = new(StringComparer.Ordinal);

    public Temporalio.Api.Common.V1.WorkflowExecution ExecutionRef => new() { WorkflowId = WorkflowId, RunId = RunId };

    /// <summary>Gets a task that completes the next time the history grows or the run closes.</summary>
    public Task Changed => _changed.Task;

    /// <summary>Gets a task that completes when the run closes; result waiters need nothing sooner.</summary>
    public Task Closed => _closed.Task;

    public bool HasBufferedEvents => _buffer.Count > 0;

    public HistoryEvent NewEvent(EventType type) => new()
    {
        EventType = type,
        EventTime = Timestamp.FromDateTime(Engine.UtcNow),
    };

    /// <summary>Appends events to the history now, whatever the workflow task is doing.</summary>
    public void Write(HistoryEvent e)
    {
        e.EventId = History.Count + 1;
        e.TaskId = e.EventId;
        FixLazyStartedReference(e);
        History.Add(e);
        _historySizeBytes += e.CalculateSize();
        Engine.MarkDirty(this);
        NotifyChanged();
    }

    /// <summary>
    /// Adds events that the workflow must see: written now, or buffered while a workflow task is started
    /// (core requires a started workflow task to be followed by its own completion), then a workflow task is requested.
    /// </summary>
    public void AddForWorkflow(params HistoryEvent[] events)
    {
        if (Wft == WftPhase.Started)
        {
            _buffer.AddRange(events);
            Engine.MarkDirty(this);
        }
        else
        {
            foreach (var e in events)
            {
                Write(e);
            }
        }

        RequestWorkflowTask();
    }

    public object? GetValue(string attributeName) => attributeName switch
    {
        "WorkflowId" => WorkflowId,
        "RunId" => RunId,
        "WorkflowType" => WorkflowType,
        "TaskQueue" => TaskQueueName,
        "ExecutionStatus" => StatusName(Status),
        "StartTime" => new DateTimeOffset(StartTime),
        "ExecutionTime" => new DateTimeOffset(ExecutionTime),
        "CloseTime" => CloseTime is { } close ? new DateTimeOffset(close) : null,
        "HistoryLength" => (long)History.Count,
        "HistorySizeBytes" => _historySizeBytes,
        "ExecutionDuration" => CloseTime is { } closed ? (long)(closed - ExecutionTime).Ticks * 100 : null,
        "ParentWorkflowId" => ParentExecution?.WorkflowId,
        "ParentRunId" => ParentExecution?.RunId,
        "RootWorkflowId" => RootExecution.WorkflowId,
        "RootRunId" => RootExecution.RunId,
        _ => SearchAttributes.TryGetValue(attributeName, out var payload) ? SearchAttributeValues.Decode(payload, AttributeType(attributeName)) : null,
    };

    public long HistorySizeBytes => _historySizeBytes;

    public static string StatusName(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "Running",
        WorkflowExecutionStatus.Completed => "Completed",
        WorkflowExecutionStatus.Failed => "Failed",
        WorkflowExecutionStatus.Canceled => "Canceled",
        WorkflowExecutionStatus.Terminated => "Terminated",
        WorkflowExecutionStatus.ContinuedAsNew => "ContinuedAsNew",
        WorkflowExecutionStatus.TimedOut => "TimedOut",
        _ => ((int)status).ToString(CultureInfo.InvariantCulture),
    };

    public void AddRunTimer(ITimer timer) => _runTimers.Add(timer);

    /// <summary>Writes the close event at once and releases everything the run holds.</summary>
    public void Close(WorkflowExecutionStatus status, HistoryEvent closeEvent)
    {
        _buffer.Clear();
        Write(closeEvent);
        Status = status;
        CloseTime = Engine.UtcNow;
        CloseEvent = closeEvent;
        _initiated.Clear();
        CancelWorkflowTaskTimer();
        Wft = WftPhase.None;
        foreach (var activity in Activities.Values)
        {
            activity.CancelAllTimers();
        }

        Activities.Clear();
        foreach (var timer in Timers.Values)
        {
            timer.Timer.Dispose();
        }

        Timers.Clear();
        foreach (var timer in _runTimers)
        {
            timer.Dispose();
        }

        _runTimers.Clear();
        CloseFamily(closeEvent);
        DispatchQueuedQueriesDirectly();
        NotifyChanged();
        _closed.TrySetResult();
    }

    private IndexedValueType AttributeType(string name) =>
        Namespace.CustomSearchAttributes.TryGetValue(name, out var type) ? type
        : SystemSearchAttributes.All.TryGetValue(name, out var system) ? system
        : IndexedValueType.Unspecified;

    private void FlushBuffer()
    {
        foreach (var e in _buffer)
        {
            Write(e);
        }

        _buffer.Clear();
    }

    private void NotifyChanged()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    /// <summary>
    /// An activity result is written right after its lazily written Started event (real Temporal writes
    /// Started only when the attempt closes), so its started_event_id is only known here.
    /// </summary>
    private void FixLazyStartedReference(HistoryEvent e)
    {
        switch (e.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.ActivityTaskStartedEventAttributes:
                _lazyStartedIds[e.ActivityTaskStartedEventAttributes.ScheduledEventId] = e.EventId;
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskCompletedEventAttributes when e.ActivityTaskCompletedEventAttributes.StartedEventId == LazyStartedId:
                e.ActivityTaskCompletedEventAttributes.StartedEventId = _lazyStartedIds[e.ActivityTaskCompletedEventAttributes.ScheduledEventId];
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes when e.ActivityTaskFailedEventAttributes.StartedEventId == LazyStartedId:
                e.ActivityTaskFailedEventAttributes.StartedEventId = _lazyStartedIds[e.ActivityTaskFailedEventAttributes.ScheduledEventId];
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes when e.ActivityTaskTimedOutEventAttributes.StartedEventId == LazyStartedId:
                e.ActivityTaskTimedOutEventAttributes.StartedEventId = _lazyStartedIds[e.ActivityTaskTimedOutEventAttributes.ScheduledEventId];
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskCanceledEventAttributes when e.ActivityTaskCanceledEventAttributes.StartedEventId == LazyStartedId:
                e.ActivityTaskCanceledEventAttributes.StartedEventId = _lazyStartedIds[e.ActivityTaskCanceledEventAttributes.ScheduledEventId];
                break;
            default:
                break;
        }
    }

    /// <summary>Placeholder for "the ActivityTaskStarted event written just before this one".</summary>
    private const long LazyStartedId = -1;
}
