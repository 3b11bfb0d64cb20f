using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>
/// Workflow updates: UpdateWorkflowExecution and PollWorkflowExecutionUpdate. Both long-poll like real Temporal: until
/// the asked stage, or answering the stage reached when the server's long poll ends first (the SDK then asks again),
/// or failing with the client's deadline.
/// </content>
internal sealed partial class WorkflowServiceEndpoint
{
    private async Task<IMessage> UpdateWorkflowExecutionAsync(UpdateWorkflowExecutionRequest request, ServerCallContext context)
    {
        var stage = ValidateUpdate(request);
        WorkflowUpdate update;
        lock (_engine.Gate)
        {
            var run = ResolveRun(_engine.Namespace(request.Namespace), request.WorkflowExecution);
            if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && run.StartedAttributes.FirstExecutionRunId != request.FirstExecutionRunId)
            {
                throw ServerErrors.WorkflowNotFound();
            }

            update = run.AdmitUpdate(request.Request, pinnedToRun: !string.IsNullOrEmpty(request.WorkflowExecution.RunId));
        }

        // The admission may have scheduled a workflow task: on disk before the long wait, not after it.
        await _engine.PersistAsync();
        return await WaitForUpdateAsync(update, stage, context);
    }

    private async Task<IMessage> PollWorkflowExecutionUpdateAsync(PollWorkflowExecutionUpdateRequest request, ServerCallContext context)
    {
        if (request.UpdateRef is null)
        {
            throw ServerErrors.InvalidArgument("UpdateRef is not set on request.");
        }

        WorkflowUpdate update;
        lock (_engine.Gate)
        {
            var run = ResolveRun(_engine.Namespace(request.Namespace), request.UpdateRef.WorkflowExecution);
            update = run.FindUpdate(request.UpdateRef.UpdateId) ?? throw UpdateErrors.NotFound(request.UpdateRef.UpdateId);
        }

        var answer = await WaitForUpdateAsync(update, request.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified, context);
        return new PollWorkflowExecutionUpdateResponse { UpdateRef = answer.UpdateRef, Outcome = answer.Outcome, Stage = answer.Stage };
    }

    /// <summary>Real Temporal's checks of an update request (frontend's prepareUpdateWorkflowRequest); returns the stage to wait for.</summary>
    private static UpdateWorkflowExecutionLifecycleStage ValidateUpdate(UpdateWorkflowExecutionRequest request)
    {
        if (string.IsNullOrEmpty(request.WorkflowExecution?.WorkflowId))
        {
            throw ServerErrors.InvalidArgument("WorkflowId is not set on request.");
        }

        var meta = request.Request?.Meta ?? throw ServerErrors.InvalidArgument("Update meta is not set on request.");
        if (meta.UpdateId.Length > MaxIdLength)
        {
            throw ServerErrors.InvalidArgument("UpdateId length exceeds limit.");
        }

        if (string.IsNullOrEmpty(meta.UpdateId))
        {
            meta.UpdateId = Guid.NewGuid().ToString();
        }

        if (request.Request.Input is null)
        {
            throw ServerErrors.InvalidArgument("Update input is not set on request.");
        }

        if (string.IsNullOrEmpty(request.Request.Input.Name))
        {
            throw ServerErrors.InvalidArgument("Update name is not set on request.");
        }

        request.WaitPolicy ??= new WaitPolicy();
        return request.WaitPolicy.LifecycleStage switch
        {
            UpdateWorkflowExecutionLifecycleStage.Unspecified => UpdateWorkflowExecutionLifecycleStage.Completed,
            UpdateWorkflowExecutionLifecycleStage.Admitted => throw UpdateErrors.AdmittedStageNotSupported(),
            var stage => stage,
        };
    }

    /// <summary>
    /// Waits until the update reaches <paramref name="stage"/> (at once for ADMITTED or none) and answers the stage reached;
    /// at the end of the server's long poll it answers the stage reached so far, and the caller asks again.
    /// </summary>
    private async Task<UpdateWorkflowExecutionResponse> WaitForUpdateAsync(WorkflowUpdate update, UpdateWorkflowExecutionLifecycleStage stage, ServerCallContext context)
    {
        using var longPoll = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        longPoll.CancelAfter(_engine.Options.HistoryLongPollTimeout);
        while (true)
        {
            Task changed;
            lock (_engine.Gate)
            {
                if (update.HasReached(stage) || (longPoll.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested))
                {
                    return new UpdateWorkflowExecutionResponse
                    {
                        UpdateRef = new UpdateRef { WorkflowExecution = update.Run.ExecutionRef, UpdateId = update.Id },
                        Stage = update.Stage,
                        Outcome = update.Outcome,
                    };
                }

                changed = update.Changed;
            }

            try
            {
                await changed.WaitAsync(longPoll.Token);
            }
            catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
            {
                // The long poll ran out: loop once more to answer the stage reached.
            }
            catch (OperationCanceledException)
            {
                var code = context.Deadline <= _engine.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
                throw new RpcException(new Status(code, "context deadline exceeded"));
            }
        }
    }
}
