using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>Signals, cancel requests, termination, failure with workflow retries, and continue-as-new.</content>
internal sealed partial class WorkflowRun
{
    private bool _cancelRequested;

    /// <summary>Signals the run; <paramref name="external"/> is the workflow that sent it, for a SignalExternalWorkflowExecution command.</summary>
    public void Signal(string name, Payloads? input, string identity, Header? header, WorkflowExecution? external = null)
    {
        AddForWorkflow(SignalEvent(name, input, identity, header, external));
    }

    public HistoryEvent SignalEvent(string name, Payloads? input, string identity, Header? header, WorkflowExecution? external = null)
    {
        var e = NewEvent(EventType.WorkflowExecutionSignaled);
        e.WorkflowExecutionSignaledEventAttributes = new WorkflowExecutionSignaledEventAttributes
        {
            SignalName = name,
            Input = input,
            Identity = identity,
            Header = header,
            ExternalWorkflowExecution = external,
        };
        return e;
    }

    /// <summary>
    /// Records a cancel request once; repeated requests are no-ops, as on a real server. <paramref name="external"/> is
    /// the workflow that asked (a RequestCancelExternalWorkflowExecution command, or a parent close policy).
    /// </summary>
    public void RequestCancel(string reason, string identity, long externalInitiatedEventId = 0, WorkflowExecution? external = null)
    {
        if (_cancelRequested)
        {
            return;
        }

        _cancelRequested = true;
        Engine.MarkDirty(this);
        var e = NewEvent(EventType.WorkflowExecutionCancelRequested);
        e.WorkflowExecutionCancelRequestedEventAttributes = new WorkflowExecutionCancelRequestedEventAttributes
        {
            Cause = reason,
            Identity = identity,
            ExternalInitiatedEventId = externalInitiatedEventId,
            ExternalWorkflowExecution = external,
        };
        AddForWorkflow(e);
    }

    public void Terminate(string reason, Payloads? details, string identity)
    {
        var e = NewEvent(EventType.WorkflowExecutionTerminated);
        e.WorkflowExecutionTerminatedEventAttributes = new WorkflowExecutionTerminatedEventAttributes
        {
            Reason = reason,
            Details = details,
            Identity = identity,
        };
        Close(WorkflowExecutionStatus.Terminated, e);
    }

    private void FailWorkflow(Failure failure, long completedEventId)
    {
        var e = NewEvent(EventType.WorkflowExecutionFailed);
        e.WorkflowExecutionFailedEventAttributes = new WorkflowExecutionFailedEventAttributes
        {
            Failure = failure,
            WorkflowTaskCompletedEventId = completedEventId,
            RetryState = RetryState.RetryPolicyNotSet,
        };
        var policy = StartedAttributes.RetryPolicy;
        if (policy is null)
        {
            Close(WorkflowExecutionStatus.Failed, e);
            return;
        }

        var attempt = StartedAttributes.Attempt;
        var nonRetryable = failure.ApplicationFailureInfo is { } app &&
            (app.NonRetryable || policy.NonRetryableErrorTypes.Contains(app.Type));
        var interval = failure.ApplicationFailureInfo?.NextRetryDelay?.ToTimeSpan() is { } delay && delay > TimeSpan.Zero
            ? delay
            : ActivityRetry.Backoff(policy, attempt);
        var expiration = StartedAttributes.WorkflowExecutionExpirationTime?.ToDateTime();
        e.WorkflowExecutionFailedEventAttributes.RetryState =
            nonRetryable ? RetryState.NonRetryableFailure
            : policy.MaximumAttempts > 0 && attempt >= policy.MaximumAttempts ? RetryState.MaximumAttemptsReached
            : expiration is { } end && Engine.UtcNow + interval > end ? RetryState.Timeout
            : RetryState.InProgress;
        if (e.WorkflowExecutionFailedEventAttributes.RetryState != RetryState.InProgress)
        {
            Close(WorkflowExecutionStatus.Failed, e);
            return;
        }

        var next = NextRunAttributes(ContinueAsNewInitiator.Retry, interval);
        next.Attempt = attempt + 1;
        next.ContinuedFailure = failure;
        next.Input = StartedAttributes.Input;
        var newRunId = Guid.NewGuid().ToString();
        e.WorkflowExecutionFailedEventAttributes.NewExecutionRunId = newRunId;
        Close(WorkflowExecutionStatus.Failed, e);
        WorkflowStarter.Start(Engine, Namespace, WorkflowId, Guid.NewGuid().ToString(), next, runId: newRunId);
    }

    private void ContinueAsNew(ContinueAsNewWorkflowExecutionCommandAttributes a, long completedEventId)
    {
        var newRunId = Guid.NewGuid().ToString();
        var taskQueue = string.IsNullOrEmpty(a.TaskQueue?.Name) ? TaskQueueName : a.TaskQueue.Name;

        // Real Temporal defaults an unspecified initiator to WORKFLOW (SetDefaultContinueAsNewInitiator).
        var initiator = a.Initiator == ContinueAsNewInitiator.Unspecified ? ContinueAsNewInitiator.Workflow : a.Initiator;
        var e = NewEvent(EventType.WorkflowExecutionContinuedAsNew);
        e.WorkflowExecutionContinuedAsNewEventAttributes = new WorkflowExecutionContinuedAsNewEventAttributes
        {
            NewExecutionRunId = newRunId,
            WorkflowType = a.WorkflowType,
            TaskQueue = new TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal },
            Input = a.Input,
            WorkflowRunTimeout = a.WorkflowRunTimeout ?? StartedAttributes.WorkflowRunTimeout,
            WorkflowTaskTimeout = a.WorkflowTaskTimeout ?? StartedAttributes.WorkflowTaskTimeout,
            WorkflowTaskCompletedEventId = completedEventId,
            BackoffStartInterval = a.BackoffStartInterval,
            Initiator = initiator,
            LastCompletionResult = a.LastCompletionResult,
            Header = a.Header,
            Memo = a.Memo,
            SearchAttributes = a.SearchAttributes,
        };
        Close(WorkflowExecutionStatus.ContinuedAsNew, e);

        var next = NextRunAttributes(initiator, a.BackoffStartInterval?.ToTimeSpan() ?? TimeSpan.Zero);
        next.WorkflowType = a.WorkflowType;
        next.TaskQueue = new TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal };
        next.Input = a.Input;
        next.WorkflowRunTimeout = e.WorkflowExecutionContinuedAsNewEventAttributes.WorkflowRunTimeout;
        next.WorkflowTaskTimeout = e.WorkflowExecutionContinuedAsNewEventAttributes.WorkflowTaskTimeout;
        next.Header = a.Header;
        next.Memo = a.Memo ?? Memo;
        next.SearchAttributes = a.SearchAttributes ?? CurrentSearchAttributes();
        next.RetryPolicy = a.RetryPolicy ?? StartedAttributes.RetryPolicy;
        next.ContinuedFailure = a.Failure;
        next.LastCompletionResult = a.LastCompletionResult;
        WorkflowStarter.Start(Engine, Namespace, WorkflowId, Guid.NewGuid().ToString(), next, runId: newRunId);
    }

    private WorkflowExecutionStartedEventAttributes NextRunAttributes(ContinueAsNewInitiator initiator, TimeSpan backoff)
    {
        var next = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = StartedAttributes.WorkflowType,
            TaskQueue = StartedAttributes.TaskQueue,
            WorkflowExecutionTimeout = StartedAttributes.WorkflowExecutionTimeout,
            WorkflowRunTimeout = StartedAttributes.WorkflowRunTimeout,
            WorkflowTaskTimeout = StartedAttributes.WorkflowTaskTimeout,
            ContinuedExecutionRunId = RunId,
            Initiator = initiator,
            FirstExecutionRunId = StartedAttributes.FirstExecutionRunId,
            Attempt = 1,
            Identity = StartedAttributes.Identity,
            Header = StartedAttributes.Header,
            Memo = Memo,
            SearchAttributes = CurrentSearchAttributes(),
            RetryPolicy = StartedAttributes.RetryPolicy,
            WorkflowExecutionExpirationTime = StartedAttributes.WorkflowExecutionExpirationTime,
            Priority = StartedAttributes.Priority,

            // The next run stays the child of the same parent, which hears only from the chain's last run.
            ParentWorkflowNamespace = StartedAttributes.ParentWorkflowNamespace,
            ParentWorkflowNamespaceId = StartedAttributes.ParentWorkflowNamespaceId,
            ParentWorkflowExecution = StartedAttributes.ParentWorkflowExecution,
            ParentInitiatedEventId = StartedAttributes.ParentInitiatedEventId,
            RootWorkflowExecution = StartedAttributes.RootWorkflowExecution,
        };
        if (backoff > TimeSpan.Zero)
        {
            next.FirstWorkflowTaskBackoff = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(backoff);
        }

        return next;
    }

    public SearchAttributes CurrentSearchAttributes()
    {
        var attributes = new SearchAttributes();
        foreach (var (name, payload) in SearchAttributes)
        {
            attributes.IndexedFields[name] = payload;
        }

        return attributes;
    }
}
