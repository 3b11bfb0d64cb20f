using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>
/// Requests to other workflows (SignalExternalWorkflowExecution, RequestCancelExternalWorkflowExecution) and the
/// delivery of everything a workflow task initiated, once the task is recorded, as real Temporal's transfer tasks do.
/// </content>
internal sealed partial class WorkflowRun
{
    private const int MaxIdLength = 1000;

    /// <summary>Initiated events of the workflow task being completed, to deliver once its commands are recorded.</summary>
    private readonly List<long> _initiated = [];

    /// <summary>
    /// Set while delivering: the events it adds for this workflow are written at once and the next workflow task is
    /// scheduled after the last of them, so that no poller can start it in between.
    /// </summary>
    private bool _holdWorkflowTask;

    private CommandError? ValidateSignalExternal(SignalExternalWorkflowExecutionCommandAttributes? a)
    {
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadSignalWorkflowExecutionAttributes;
        if (a?.Execution is null)
        {
            return new(Bad, "Execution is not set on SignalExternalWorkflowExecutionCommand.");
        }

        var ns = TargetNamespace(a);
        var where = $"WorkflowId={a.Execution.WorkflowId} Namespace={ns} RunId={a.Execution.RunId}";
        return CrossNamespaceError(ns) is { } crossNamespace ? new(Bad, crossNamespace)
            : string.IsNullOrEmpty(a.Execution.WorkflowId) ? new(Bad, $"WorkflowId is not set on SignalExternalWorkflowExecutionCommand. Namespace={ns} RunId={a.Execution.RunId} SignalName={a.SignalName}")
            : a.Execution.WorkflowId.Length > MaxIdLength ? new(Bad, $"WorkflowId on SignalExternalWorkflowExecutionCommand exceeds length limit. {where} Limit={MaxIdLength}")
            : !IsRunIdOrEmpty(a.Execution.RunId) ? new(Bad, $"Invalid RunId set on SignalExternalWorkflowExecutionCommand. {where} SignalName={a.SignalName}")
            : string.IsNullOrEmpty(a.SignalName) ? new(Bad, $"SignalName is not set on SignalExternalWorkflowExecutionCommand. {where}")
            : null;
    }

    private CommandError? ValidateCancelExternal(RequestCancelExternalWorkflowExecutionCommandAttributes? a, HashSet<string> childIds)
    {
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadRequestCancelExternalWorkflowExecutionAttributes;
        if (a is null)
        {
            return new(Bad, "RequestCancelExternalWorkflowExecutionCommandAttributes is not set on RequestCancelExternalWorkflowExecutionCommand.");
        }

        var ns = TargetNamespace(a);
        var where = $"WorkflowId={a.WorkflowId} RunId={a.RunId} Namespace={ns}";
        return CrossNamespaceError(ns) is { } crossNamespace ? new(Bad, crossNamespace)
            : string.IsNullOrEmpty(a.WorkflowId) ? new(Bad, $"WorkflowId is not set on RequestCancelExternalWorkflowExecutionCommand. Namespace={ns} RunId={a.RunId}")
            : a.WorkflowId.Length > MaxIdLength ? new(Bad, $"WorkflowId on RequestCancelExternalWorkflowExecutionCommand exceeds length limit. {where} Limit={MaxIdLength}")
            : !IsRunIdOrEmpty(a.RunId) ? new(Bad, $"Invalid RunId set on RequestCancelExternalWorkflowExecutionCommand. {where}")
            : childIds.Contains(a.WorkflowId) ? new(Bad, $"Start and RequestCancel for child workflow is not allowed in same workflow task. {where}")
            : null;
    }

    private static bool IsRunIdOrEmpty(string runId) => string.IsNullOrEmpty(runId) || Guid.TryParse(runId, out _);

    private void InitiateSignalExternal(SignalExternalWorkflowExecutionCommandAttributes a, long completedEventId)
    {
        var e = NewEvent(EventType.SignalExternalWorkflowExecutionInitiated);
        e.SignalExternalWorkflowExecutionInitiatedEventAttributes = new SignalExternalWorkflowExecutionInitiatedEventAttributes
        {
            WorkflowTaskCompletedEventId = completedEventId,
            Namespace = Namespace.Name,
            NamespaceId = Namespace.Id,
            WorkflowExecution = new() { WorkflowId = a.Execution.WorkflowId, RunId = a.Execution.RunId },
            SignalName = a.SignalName,
            Input = a.Input,
            ChildWorkflowOnly = a.ChildWorkflowOnly,
            Header = a.Header,
        };
        Write(e);
        _initiated.Add(e.EventId);
    }

    private void InitiateCancelExternal(RequestCancelExternalWorkflowExecutionCommandAttributes a, long completedEventId)
    {
        var e = NewEvent(EventType.RequestCancelExternalWorkflowExecutionInitiated);
        e.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes = new RequestCancelExternalWorkflowExecutionInitiatedEventAttributes
        {
            WorkflowTaskCompletedEventId = completedEventId,
            Namespace = Namespace.Name,
            NamespaceId = Namespace.Id,
            WorkflowExecution = new() { WorkflowId = a.WorkflowId, RunId = a.RunId },
            ChildWorkflowOnly = a.ChildWorkflowOnly,
            Reason = a.Reason,
        };
        Write(e);
        _initiated.Add(e.EventId);
    }

    /// <summary>
    /// Carries out what the completed workflow task initiated, in order. Like real Temporal's transfer tasks this
    /// happens after the task is recorded, and not at all when the task also closed the run.
    /// </summary>
    private void DeliverInitiated()
    {
        var initiated = _initiated.ToList();
        _initiated.Clear();
        _holdWorkflowTask = true;
        try
        {
            foreach (var eventId in initiated.TakeWhile(_ => IsOpen))
            {
                Deliver(History[(int)eventId - 1]);
            }
        }
        finally
        {
            _holdWorkflowTask = false;
        }
    }

    private void Deliver(HistoryEvent e)
    {
        switch (e.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.StartChildWorkflowExecutionInitiatedEventAttributes:
                StartChild(Children[e.EventId]);
                break;
            case HistoryEvent.AttributesOneofCase.SignalExternalWorkflowExecutionInitiatedEventAttributes:
                DeliverSignal(e.EventId, e.SignalExternalWorkflowExecutionInitiatedEventAttributes);
                break;
            case HistoryEvent.AttributesOneofCase.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes:
                DeliverCancelRequest(e.EventId, e.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes);
                break;
            default:
                throw new InvalidOperationException($"event {e.EventId} is not an initiated event");
        }
    }

    private void DeliverSignal(long initiatedEventId, SignalExternalWorkflowExecutionInitiatedEventAttributes a)
    {
        // Real Temporal refuses a signal to the sender itself, whatever the run ID, as it refuses one to a closed run.
        var target = a.WorkflowExecution.WorkflowId == WorkflowId ? null : Namespace.FindRun(a.WorkflowExecution.WorkflowId, a.WorkflowExecution.RunId);
        HistoryEvent e;
        if (target is null || !target.IsOpen || (a.ChildWorkflowOnly && !target.IsChildOf(this)))
        {
            e = NewEvent(EventType.SignalExternalWorkflowExecutionFailed);
            e.SignalExternalWorkflowExecutionFailedEventAttributes = new SignalExternalWorkflowExecutionFailedEventAttributes
            {
                Cause = SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                InitiatedEventId = initiatedEventId,
                Namespace = Namespace.Name,
                NamespaceId = Namespace.Id,
                WorkflowExecution = a.WorkflowExecution,
            };
        }
        else
        {
            target.Signal(a.SignalName, a.Input, HistoryServiceIdentity, a.Header, ExecutionRef);
            e = NewEvent(EventType.ExternalWorkflowExecutionSignaled);
            e.ExternalWorkflowExecutionSignaledEventAttributes = new ExternalWorkflowExecutionSignaledEventAttributes
            {
                InitiatedEventId = initiatedEventId,
                Namespace = Namespace.Name,
                NamespaceId = Namespace.Id,
                WorkflowExecution = a.WorkflowExecution,
            };
        }

        AddForWorkflow(e);
    }

    private void DeliverCancelRequest(long initiatedEventId, RequestCancelExternalWorkflowExecutionInitiatedEventAttributes a)
    {
        // A cancel request to a closed run succeeds without effect, as RequestCancelWorkflowExecution does.
        var target = a.WorkflowExecution.WorkflowId == WorkflowId ? null : Namespace.FindRun(a.WorkflowExecution.WorkflowId, a.WorkflowExecution.RunId);
        HistoryEvent e;
        if (target is null || (target.IsOpen && a.ChildWorkflowOnly && !target.IsChildOf(this)))
        {
            e = NewEvent(EventType.RequestCancelExternalWorkflowExecutionFailed);
            e.RequestCancelExternalWorkflowExecutionFailedEventAttributes = new RequestCancelExternalWorkflowExecutionFailedEventAttributes
            {
                Cause = CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                InitiatedEventId = initiatedEventId,
                Namespace = Namespace.Name,
                NamespaceId = Namespace.Id,
                WorkflowExecution = a.WorkflowExecution,
            };
        }
        else
        {
            if (target.IsOpen)
            {
                target.RequestCancel(a.Reason, HistoryServiceIdentity, initiatedEventId, ExecutionRef);
            }

            e = NewEvent(EventType.ExternalWorkflowExecutionCancelRequested);
            e.ExternalWorkflowExecutionCancelRequestedEventAttributes = new ExternalWorkflowExecutionCancelRequestedEventAttributes
            {
                InitiatedEventId = initiatedEventId,
                Namespace = Namespace.Name,
                NamespaceId = Namespace.Id,
                WorkflowExecution = a.WorkflowExecution,
            };
        }

        AddForWorkflow(e);
    }
}
