using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>
/// ExecuteMultiOperation, real Temporal's update-with-start: exactly [Start, Update] on one workflow ID. An open run
/// takes the update when the start is its own retry, already has the update, or the conflict policy is USE_EXISTING;
/// otherwise the start's policies apply and the update goes to the new run. Failures come as one status per operation.
/// </content>
internal sealed partial class WorkflowServiceEndpoint
{
    private const string MultiOperationFailed = "Update-with-Start could not be executed.";

    private async Task<IMessage> ExecuteMultiOperationAsync(ExecuteMultiOperationRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            _engine.Namespace(request.Namespace);
        }

        if (request.Operations.Count != 2 || request.Operations[0].StartWorkflow is null || request.Operations[1].UpdateWorkflow is null)
        {
            throw ServerErrors.InvalidArgument("Operations have to be exactly [Start, Update].");
        }

        var start = request.Operations[0].StartWorkflow;
        var update = request.Operations[1].UpdateWorkflow;
        var (attributes, stage) = ValidateMultiOperation(request.Namespace, start, update);
        for (var attempt = 1; ; attempt++)
        {
            var (admitted, started, status) = StartOrUpdate(request.Namespace, start, attributes.Clone(), update);
            var runId = admitted.Run.RunId;
            await _engine.PersistAsync();
            try
            {
                var answer = await WaitForUpdateAsync(admitted, stage, context);
                return MultiOperationResponse(runId, started, status, answer);
            }
            catch (RpcException e) when (!started && UpdateErrors.IsAbortedByClosingWorkflow(e))
            {
                // The run closed before it saw the update: real Temporal tries once more (which may start a new run),
                // then answers Aborted so the client retries.
                if (attempt > 1)
                {
                    throw UpdateErrors.MultiOperation(MultiOperationFailed, [UpdateErrors.OperationAborted(), new RpcException(new Status(StatusCode.Aborted, e.Status.Detail))]);
                }
            }
            catch (RpcException e)
            {
                throw UpdateErrors.MultiOperation(MultiOperationFailed, [started ? null : UpdateErrors.OperationAborted(), e]);
            }
        }
    }

    /// <summary>Real Temporal's frontend checks of both operations; every failing operation gets its own status.</summary>
    private (WorkflowExecutionStartedEventAttributes Attributes, UpdateWorkflowExecutionLifecycleStage Stage) ValidateMultiOperation(
        string ns, StartWorkflowExecutionRequest start, UpdateWorkflowExecutionRequest update)
    {
        WorkflowExecutionStartedEventAttributes? attributes = null;
        RpcException? startError = null;
        try
        {
            CheckOperationNamespace(ns, start.Namespace);
            attributes = StartAttributes(start);
            if (!string.IsNullOrEmpty(start.CronSchedule))
            {
                throw ServerErrors.InvalidArgument("CronSchedule is not allowed.");
            }

            if (start.RequestEagerExecution)
            {
                throw ServerErrors.InvalidArgument("RequestEagerExecution is not supported.");
            }

            if (start.WorkflowStartDelay?.ToTimeSpan() > TimeSpan.Zero)
            {
                throw ServerErrors.InvalidArgument("WorkflowStartDelay is not supported.");
            }
        }
        catch (RpcException e)
        {
            startError = e;
        }

        var stage = UpdateWorkflowExecutionLifecycleStage.Unspecified;
        RpcException? updateError = null;
        try
        {
            CheckOperationNamespace(ns, update.Namespace);
            stage = ValidateUpdate(update);
            if (!string.IsNullOrEmpty(update.FirstExecutionRunId))
            {
                throw ServerErrors.InvalidArgument("FirstExecutionRunId is not allowed.");
            }

            if (!string.IsNullOrEmpty(update.WorkflowExecution.RunId))
            {
                throw ServerErrors.InvalidArgument("RunId is not allowed.");
            }

            if (startError is null && update.WorkflowExecution.WorkflowId != start.WorkflowId)
            {
                throw ServerErrors.InvalidArgument("WorkflowId is not consistent with previous operation(s).");
            }
        }
        catch (RpcException e)
        {
            updateError = e;
        }

        if (startError is not null || updateError is not null)
        {
            throw UpdateErrors.MultiOperation(MultiOperationFailed, [startError ?? UpdateErrors.OperationAborted(), updateError ?? UpdateErrors.OperationAborted()]);
        }

        return (attributes!, stage);
    }

    private static void CheckOperationNamespace(string ns, string operationNamespace)
    {
        if (!string.IsNullOrEmpty(operationNamespace) && operationNamespace != ns)
        {
            throw ServerErrors.InvalidArgument("Operation namespace did not match request's namespace.");
        }
    }

    /// <summary>Admits the update to the workflow's open run when it may take it, else starts a run (the start's policies apply) and admits it there.</summary>
    private (WorkflowUpdate Update, bool Started, WorkflowExecutionStatus Status) StartOrUpdate(
        string nsName, StartWorkflowExecutionRequest start, WorkflowExecutionStartedEventAttributes attributes, UpdateWorkflowExecutionRequest update)
    {
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(nsName);
            var existing = ns.CurrentRun(start.WorkflowId);
            var updateId = update.Request.Meta.UpdateId;
            if (existing?.FindCompletedUpdate(updateId) is { } completed)
            {
                return (completed, false, existing.Status);
            }

            if (existing is { IsOpen: true } &&
                (existing.RequestId == start.RequestId || existing.FindUpdate(updateId) is not null || start.WorkflowIdConflictPolicy == WorkflowIdConflictPolicy.UseExisting))
            {
                try
                {
                    return (existing.AdmitUpdate(update.Request, pinnedToRun: false), false, WorkflowExecutionStatus.Running);
                }
                catch (RpcException e)
                {
                    throw UpdateErrors.MultiOperation(MultiOperationFailed, [UpdateErrors.OperationAborted(), e]);
                }
            }

            try
            {
                CheckSearchAttributes(ns, start.SearchAttributes);
                if (existing is not null)
                {
                    ResolveConflict(existing, start.RequestId, start.WorkflowIdReusePolicy, start.WorkflowIdConflictPolicy, WorkflowIdConflictPolicy.Fail);
                }
            }
            catch (RpcException e)
            {
                throw UpdateErrors.MultiOperation(MultiOperationFailed, [e, UpdateErrors.OperationAborted()]);
            }

            // Admitted before the first workflow task is scheduled, so that task delivers the update even to a poller
            // that is already waiting (it is handed the task as it is scheduled). A new run has no updates and no failing
            // task, so admitting cannot fail.
            WorkflowUpdate? admitted = null;
            WorkflowStarter.Start(_engine, ns, start.WorkflowId, start.RequestId, attributes, beforeFirstTask: run => admitted = run.AdmitUpdate(update.Request, pinnedToRun: false));
            return (admitted!, true, WorkflowExecutionStatus.Running);
        }
    }

    private static ExecuteMultiOperationResponse MultiOperationResponse(string runId, bool started, WorkflowExecutionStatus status, UpdateWorkflowExecutionResponse update) => new()
    {
        Responses =
        {
            new ExecuteMultiOperationResponse.Types.Response
            {
                StartWorkflow = new StartWorkflowExecutionResponse { RunId = runId, Started = started, Status = status },
            },
            new ExecuteMultiOperationResponse.Types.Response { UpdateWorkflow = update },
        },
    };
}
