using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Update.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// One workflow update as the server tracks it. Callers waiting for a stage hold this object: it moves to the next
/// run when the run continues as new before the workflow saw it. Every member is used under the engine lock.
/// </summary>
internal sealed class WorkflowUpdate(string id, Request? request, long admissionOrder, bool pinnedToRun, WorkflowRun run)
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;

    /// <summary>Gets the request as the client sent it; null once it is in the UpdateAccepted event.</summary>
    public Request? Request { get; private set; } = request;

    /// <summary>Gets the order of admission: updates are delivered in it, as real Temporal sorts them by admission time.</summary>
    public long AdmissionOrder { get; private set; } = admissionOrder;

    /// <summary>Gets a value indicating whether the client named the run, so the update must not follow a continue-as-new.</summary>
    public bool PinnedToRun { get; } = pinnedToRun;

    public WorkflowRun Run { get; private set; } = run;

    public UpdateState State { get; private set; } = request is null ? UpdateState.Finished : UpdateState.Admitted;

    public long AcceptedEventId { get; private set; }

    public Outcome? Outcome { get; private set; }

    /// <summary>Gets the error every caller waiting on this update gets (an update aborted before it was accepted).</summary>
    public RpcException? Error { get; private set; }

    /// <summary>Gets a task that completes at the update's next change.</summary>
    public Task Changed => _changed.Task;

    public bool WasAccepted => AcceptedEventId > 0;

    public bool IsInFlight => State is UpdateState.Admitted or UpdateState.Sent or UpdateState.Accepted;

    public bool IsWaitingForWorker => State is UpdateState.Admitted or UpdateState.Sent;

    /// <summary>Gets the most advanced stage reached (real Temporal's WaitLifecycleStage with no wait); throws the abort error.</summary>
    public UpdateWorkflowExecutionLifecycleStage Stage =>
        Error is not null ? throw Error
        : Outcome is not null ? UpdateWorkflowExecutionLifecycleStage.Completed
        : WasAccepted ? UpdateWorkflowExecutionLifecycleStage.Accepted
        : UpdateWorkflowExecutionLifecycleStage.Admitted;

    /// <summary>A finished update rebuilt from history (after its run closed or the server restarted).</summary>
    public static WorkflowUpdate FromHistory(string id, WorkflowRun run, long acceptedEventId, Outcome outcome) =>
        new(id, null, 0, false, run) { AcceptedEventId = acceptedEventId, Outcome = outcome };

    /// <summary>An accepted update rebuilt from its UpdateAccepted event after a restart.</summary>
    public static WorkflowUpdate AcceptedFromHistory(string id, WorkflowRun run, long acceptedEventId) =>
        new(id, null, 0, false, run) { AcceptedEventId = acceptedEventId, State = UpdateState.Accepted };

    /// <summary>Tells whether a caller asking to wait for <paramref name="stage"/> can be answered now.</summary>
    public bool HasReached(UpdateWorkflowExecutionLifecycleStage stage) => stage switch
    {
        UpdateWorkflowExecutionLifecycleStage.Completed => Error is not null || Outcome is not null,
        UpdateWorkflowExecutionLifecycleStage.Accepted => Error is not null || Outcome is not null || WasAccepted,
        _ => true,
    };

    public void MarkSent() => State = UpdateState.Sent;

    /// <summary>Hands the update to the run that continues this one; it is delivered again from there.</summary>
    public void MoveTo(WorkflowRun next, long admissionOrder)
    {
        Run = next;
        AdmissionOrder = admissionOrder;
        State = UpdateState.Admitted;
    }

    public void Accept(long acceptedEventId)
    {
        AcceptedEventId = acceptedEventId;
        Request = null;
        State = UpdateState.Accepted;
        NotifyChanged();
    }

    public void Complete(Outcome outcome)
    {
        Outcome = outcome;
        Request = null;
        State = UpdateState.Finished;
        NotifyChanged();
    }

    public void Reject(Failure failure) => Complete(new Outcome { Failure = failure });

    public void Abort(RpcException error)
    {
        Error = error;
        Request = null;
        State = UpdateState.Finished;
        NotifyChanged();
    }

    private void NotifyChanged()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
