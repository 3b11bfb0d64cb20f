using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>
/// Child workflows: the StartChildWorkflowExecution command, the child's start (real Temporal's start-child transfer
/// task, run once the parent's workflow task is recorded), the child's close reported back to its parent, and the
/// parent close policy applied to the children still open when the parent closes.
/// </content>
internal sealed partial class WorkflowRun
{
    /// <summary>The identity real Temporal's history service gives the requests it makes on a workflow's behalf.</summary>
    private const string HistoryServiceIdentity = "history-service";

    /// <summary>Gets the children initiated and not yet closed, by their StartChildWorkflowExecutionInitiated event ID.</summary>
    public Dictionary<long, ChildExecution> Children { get; } = [];

    /// <summary>Gets the run that started this run's chain of runs as a child, if any.</summary>
    public WorkflowExecution? ParentExecution => StartedAttributes.ParentWorkflowExecution;

    /// <summary>Gets the top of this run's tree of parents: itself when it has no parent, as real Temporal reports it.</summary>
    public WorkflowExecution RootExecution => StartedAttributes.RootWorkflowExecution ?? ExecutionRef;

    private bool IsChildOf(WorkflowRun parent) =>
        ParentExecution is { } p && p.WorkflowId == parent.WorkflowId && p.RunId == parent.RunId;

    private CommandError? ValidateChild(StartChildWorkflowExecutionCommandAttributes? a, HashSet<string> childIds)
    {
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadStartChildExecutionAttributes;
        if (a is null)
        {
            return new(Bad, "StartChildWorkflowExecutionCommandAttributes is not set on StartChildWorkflowExecutionCommand.");
        }

        var ns = TargetNamespace(a);
        if (CrossNamespaceError(ns) is { } crossNamespace)
        {
            return new(Bad, crossNamespace);
        }

        var type = a.WorkflowType?.Name ?? string.Empty;
        var where = $"WorkflowId={a.WorkflowId} WorkflowType={type} Namespace={ns}";
        if (string.IsNullOrEmpty(a.WorkflowId))
        {
            return new(Bad, $"Required field WorkflowId is not set on StartChildWorkflowExecutionCommand. WorkflowType={type} Namespace={ns}");
        }

        if (string.IsNullOrEmpty(type))
        {
            return new(Bad, $"Required field WorkflowType is not set on StartChildWorkflowExecutionCommand. WorkflowId={a.WorkflowId} Namespace={ns}");
        }

        if (a.WorkflowId.Length > MaxIdLength || type.Length > MaxIdLength)
        {
            return new(Bad, $"WorkflowId or WorkflowType on StartChildWorkflowExecutionCommand exceeds length limit. {where} Limit={MaxIdLength}");
        }

        foreach (var (name, timeout) in new[] { ("WorkflowExecutionTimeout", a.WorkflowExecutionTimeout), ("WorkflowRunTimeout", a.WorkflowRunTimeout), ("WorkflowTaskTimeout", a.WorkflowTaskTimeout) })
        {
            if (timeout is not null && timeout.ToTimeSpan() < TimeSpan.Zero)
            {
                return new(Bad, $"Invalid {name} on StartChildWorkflowExecutionCommand: negative duration. {where}");
            }
        }

        if (ValidateSearchAttributes(a.SearchAttributes) is { } badAttributes)
        {
            return badAttributes;
        }

        childIds.Add(a.WorkflowId);
        return null;
    }

#pragma warning disable CS0612 // Deprecated in the API (a worker serves one namespace), yet SDKs still send it and real Temporal checks it.
    private static string TargetNamespace(StartChildWorkflowExecutionCommandAttributes a) => a.Namespace;

    private static string TargetNamespace(SignalExternalWorkflowExecutionCommandAttributes a) => a.Namespace;

    private static string TargetNamespace(RequestCancelExternalWorkflowExecutionCommandAttributes a) => a.Namespace;
#pragma warning restore CS0612

    /// <summary>Real Temporal refuses commands aimed at another namespace unless system.enableCrossNamespaceCommands (off by default).</summary>
    private string? CrossNamespaceError(string? target) =>
        string.IsNullOrEmpty(target) || target == Namespace.Name ? null : "cross namespace commands are not allowed";

    /// <summary>Records the command as real Temporal normalizes it (defaults filled, timeouts capped) and queues the start.</summary>
    private void InitiateChild(Command command, long completedEventId)
    {
        var a = command.StartChildWorkflowExecutionCommandAttributes;
        var (execution, run, task) = WorkflowStarter.NormalizeTimeouts(a.WorkflowExecutionTimeout, a.WorkflowRunTimeout, a.WorkflowTaskTimeout);
        var e = NewEvent(EventType.StartChildWorkflowExecutionInitiated);
        e.UserMetadata = command.UserMetadata;
        e.StartChildWorkflowExecutionInitiatedEventAttributes = new StartChildWorkflowExecutionInitiatedEventAttributes
        {
            Namespace = Namespace.Name,
            NamespaceId = Namespace.Id,
            WorkflowId = a.WorkflowId,
            WorkflowType = a.WorkflowType,
            TaskQueue = new TaskQueue { Name = string.IsNullOrEmpty(a.TaskQueue?.Name) ? TaskQueueName : a.TaskQueue.Name, Kind = TaskQueueKind.Normal },
            Input = a.Input,
            WorkflowExecutionTimeout = execution,
            WorkflowRunTimeout = run,
            WorkflowTaskTimeout = task,
            ParentClosePolicy = a.ParentClosePolicy == ParentClosePolicy.Unspecified ? ParentClosePolicy.Terminate : a.ParentClosePolicy,
            WorkflowTaskCompletedEventId = completedEventId,
            WorkflowIdReusePolicy = a.WorkflowIdReusePolicy == WorkflowIdReusePolicy.Unspecified ? WorkflowIdReusePolicy.AllowDuplicate : a.WorkflowIdReusePolicy,
            RetryPolicy = WorkflowStarter.WithRetryDefaults(a.RetryPolicy),
            CronSchedule = a.CronSchedule,
            Header = a.Header,
            Memo = a.Memo,
            SearchAttributes = a.SearchAttributes,
            Priority = a.Priority,
        };
        Write(e);
        Children.Add(e.EventId, new ChildExecution(e.EventId, e.StartChildWorkflowExecutionInitiatedEventAttributes));
        _initiated.Add(e.EventId);
    }

    /// <summary>Starts the child the way a client start does, with the conflict policy FAIL; the parent learns the outcome.</summary>
    private void StartChild(ChildExecution child)
    {
        var a = child.Attributes;
        var existing = Namespace.CurrentRun(a.WorkflowId);
        string? refusal = null;
        if (existing == this)
        {
            refusal = "a workflow cannot start a child with its own workflow ID";
        }
        else if (existing is not null)
        {
            WorkflowIdPolicies.Resolve(existing, a.WorkflowIdReusePolicy, WorkflowIdConflictPolicy.Fail, out refusal);
        }

        if (refusal is not null)
        {
            Children.Remove(child.InitiatedEventId);
            var failed = NewEvent(EventType.StartChildWorkflowExecutionFailed);
            failed.StartChildWorkflowExecutionFailedEventAttributes = new StartChildWorkflowExecutionFailedEventAttributes
            {
                Namespace = a.Namespace,
                NamespaceId = a.NamespaceId,
                WorkflowId = a.WorkflowId,
                WorkflowType = a.WorkflowType,
                Cause = StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists,
                InitiatedEventId = child.InitiatedEventId,
            };
            AddForWorkflow(failed);
            return;
        }

        var attributes = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = a.WorkflowType,
            TaskQueue = a.TaskQueue,
            Input = a.Input,
            Header = a.Header,
            WorkflowExecutionTimeout = a.WorkflowExecutionTimeout,
            WorkflowRunTimeout = a.WorkflowRunTimeout,
            WorkflowTaskTimeout = a.WorkflowTaskTimeout,
            RetryPolicy = a.RetryPolicy,
            CronSchedule = a.CronSchedule,
            Memo = a.Memo,
            SearchAttributes = a.SearchAttributes,
            Priority = a.Priority,
            Attempt = 1,
            ParentWorkflowNamespace = Namespace.Name,
            ParentWorkflowNamespaceId = Namespace.Id,
            ParentWorkflowExecution = ExecutionRef,
            ParentInitiatedEventId = child.InitiatedEventId,
            RootWorkflowExecution = RootExecution,
        };
        var metadata = History[(int)child.InitiatedEventId - 1].UserMetadata;
        var run = WorkflowStarter.Start(Engine, Namespace, a.WorkflowId, Guid.NewGuid().ToString(), attributes, userMetadata: metadata);
        var started = NewEvent(EventType.ChildWorkflowExecutionStarted);
        started.ChildWorkflowExecutionStartedEventAttributes = new ChildWorkflowExecutionStartedEventAttributes
        {
            Namespace = a.Namespace,
            NamespaceId = a.NamespaceId,
            InitiatedEventId = child.InitiatedEventId,
            WorkflowExecution = run.ExecutionRef,
            WorkflowType = a.WorkflowType,
            Header = a.Header,
        };

        // Delivery holds back the next workflow task, so the event is written at once and its ID is known.
        AddForWorkflow(started);
        child.StartedEventId = started.EventId;
        child.StartedRunId = run.RunId;
    }

    /// <summary>Records in the parent how a child's chain of runs ended (real Temporal's RecordChildExecutionCompleted).</summary>
    private void RecordChildClosed(long initiatedEventId, string childFirstRunId, Temporalio.Api.Common.V1.WorkflowExecution closedRun, HistoryEvent closeEvent)
    {
        if (!IsOpen || !Children.TryGetValue(initiatedEventId, out var child) || !child.IsStarted ||
            child.Attributes.WorkflowId != closedRun.WorkflowId || child.StartedRunId != childFirstRunId)
        {
            return;
        }

        Children.Remove(initiatedEventId);
        var a = child.Attributes;
        HistoryEvent e;
        switch (closeEvent.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes:
                e = NewEvent(EventType.ChildWorkflowExecutionCompleted);
                e.ChildWorkflowExecutionCompletedEventAttributes = new ChildWorkflowExecutionCompletedEventAttributes
                {
                    Result = closeEvent.WorkflowExecutionCompletedEventAttributes.Result,
                    Namespace = a.Namespace,
                    NamespaceId = a.NamespaceId,
                    WorkflowExecution = closedRun,
                    WorkflowType = a.WorkflowType,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                };
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes:
                e = NewEvent(EventType.ChildWorkflowExecutionFailed);
                e.ChildWorkflowExecutionFailedEventAttributes = new ChildWorkflowExecutionFailedEventAttributes
                {
                    Failure = closeEvent.WorkflowExecutionFailedEventAttributes.Failure,
                    Namespace = a.Namespace,
                    NamespaceId = a.NamespaceId,
                    WorkflowExecution = closedRun,
                    WorkflowType = a.WorkflowType,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                    RetryState = closeEvent.WorkflowExecutionFailedEventAttributes.RetryState,
                };
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCanceledEventAttributes:
                e = NewEvent(EventType.ChildWorkflowExecutionCanceled);
                e.ChildWorkflowExecutionCanceledEventAttributes = new ChildWorkflowExecutionCanceledEventAttributes
                {
                    Details = closeEvent.WorkflowExecutionCanceledEventAttributes.Details,
                    Namespace = a.Namespace,
                    NamespaceId = a.NamespaceId,
                    WorkflowExecution = closedRun,
                    WorkflowType = a.WorkflowType,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                };
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes:
                e = NewEvent(EventType.ChildWorkflowExecutionTerminated);
                e.ChildWorkflowExecutionTerminatedEventAttributes = new ChildWorkflowExecutionTerminatedEventAttributes
                {
                    Namespace = a.Namespace,
                    NamespaceId = a.NamespaceId,
                    WorkflowExecution = closedRun,
                    WorkflowType = a.WorkflowType,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                };
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes:
                e = NewEvent(EventType.ChildWorkflowExecutionTimedOut);
                e.ChildWorkflowExecutionTimedOutEventAttributes = new ChildWorkflowExecutionTimedOutEventAttributes
                {
                    Namespace = a.Namespace,
                    NamespaceId = a.NamespaceId,
                    WorkflowExecution = closedRun,
                    WorkflowType = a.WorkflowType,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                    RetryState = closeEvent.WorkflowExecutionTimedOutEventAttributes.RetryState,
                };
                break;
            default:
                throw new InvalidOperationException($"a child closed with {closeEvent.EventType}");
        }

        AddForWorkflow(e);
    }

    /// <summary>
    /// On close: a child run that ends its chain (no continue-as-new, no retry) reports to its parent, and the children
    /// still open get their parent close policy. Real Temporal does both for every close, continue-as-new included.
    /// </summary>
    private void CloseFamily(HistoryEvent closeEvent)
    {
        var continues = Status == WorkflowExecutionStatus.ContinuedAsNew ||
            !string.IsNullOrEmpty(closeEvent.WorkflowExecutionFailedEventAttributes?.NewExecutionRunId) ||
            !string.IsNullOrEmpty(closeEvent.WorkflowExecutionTimedOutEventAttributes?.NewExecutionRunId);
        if (ParentExecution is { } parent && !continues && StartedAttributes.ParentWorkflowNamespace == Namespace.Name &&
            Namespace.RunsById.TryGetValue(parent.RunId, out var parentRun))
        {
            parentRun.RecordChildClosed(StartedAttributes.ParentInitiatedEventId, StartedAttributes.FirstExecutionRunId, ExecutionRef, closeEvent);
        }

        var children = Children.Values.Where(c => c.IsStarted).ToList();
        Children.Clear();
        foreach (var child in children)
        {
            // The child is followed across its runs by its first run ID, and only while this run is still its parent.
            var run = Namespace.CurrentRun(child.Attributes.WorkflowId);
            if (run is null || !run.IsOpen || run.StartedAttributes.FirstExecutionRunId != child.StartedRunId || !run.IsChildOf(this))
            {
                continue;
            }

            switch (child.Attributes.ParentClosePolicy)
            {
                case ParentClosePolicy.Terminate:
                    run.Terminate("by parent close policy", null, HistoryServiceIdentity);
                    break;
                case ParentClosePolicy.RequestCancel:
                    run.RequestCancel(string.Empty, HistoryServiceIdentity, 0, ExecutionRef);
                    break;
                default:
                    break;
            }
        }
    }
}
