using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>What workers call: task polls and task results.</content>
internal sealed partial class WorkflowServiceEndpoint
{
    private Task<IMessage> PollWorkflowTaskQueueAsync(PollWorkflowTaskQueueRequest request, ServerCallContext context)
    {
        MatchingQueue queue;
        lock (_engine.Gate)
        {
            queue = _engine.Namespace(request.Namespace).WorkflowQueue(request.TaskQueue?.Name ?? string.Empty);
        }

#pragma warning disable CS0612 // Deprecated in the API, yet workers on build ID versioning still send it and real Temporal lists it.
        var poller = new PollerInfo(request.Identity, PollerInfo.NoRateLimit, request.WorkerVersionCapabilities, request.DeploymentOptions);
#pragma warning restore CS0612
        return LongPollAsync(queue, poller, context, new PollWorkflowTaskQueueResponse());
    }

    private Task<IMessage> PollActivityTaskQueueAsync(PollActivityTaskQueueRequest request, ServerCallContext context)
    {
        MatchingQueue queue;
        lock (_engine.Gate)
        {
            queue = _engine.Namespace(request.Namespace).ActivityQueue(request.TaskQueue?.Name ?? string.Empty);
        }

        var rate = request.TaskQueueMetadata?.MaxTasksPerSecond ?? PollerInfo.NoRateLimit;
#pragma warning disable CS0612 // As for workflow polls.
        var poller = new PollerInfo(request.Identity, rate, request.WorkerVersionCapabilities, request.DeploymentOptions);
#pragma warning restore CS0612
        return LongPollAsync(queue, poller, context, new PollActivityTaskQueueResponse());
    }

    private RespondWorkflowTaskCompletedResponse RespondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest request, ServerCallContext context)
    {
        var token = TaskToken.Parse(request.TaskToken, TaskTokenKind.WorkflowTask);
        var commands = request.Commands;
        var closeIndex = commands.ToList().FindIndex(WorkflowRun.IsCloseCommand);
        if (closeIndex >= 0 && closeIndex != commands.Count - 1)
        {
            throw ServerErrors.InvalidArgument("invalid command sequence: a workflow close command must be the last command");
        }

        lock (_engine.Gate)
        {
            var run = FindTaskRun(token);
            if (run is null || !run.IsCurrentWorkflowTask(token))
            {
                throw ServerErrors.WorkflowTaskNotFound();
            }

            if (run.Validate(commands) is { } error)
            {
                // As real Temporal: a refused task fails on its first attempt only. A retry that is refused again is
                // left started, to time out (later and later, WorkflowTaskBackoff), so a worker sending the same
                // refused command cannot make the server redeliver the task in a busy loop.
                if (error.Cause is { } cause && run.WftAttempt == 1)
                {
                    run.FailWorkflowTask(cause, new Failure { Message = error.FullMessage, ServerFailureInfo = new ServerFailureInfo() }, request.Identity);
                }

                throw ServerErrors.InvalidArgument(error.FullMessage);
            }

            if (run.RefuseBadUpdateMessages(commands, request.Messages, request.Identity) is { } messageError)
            {
                throw ServerErrors.InvalidArgument(messageError.Message);
            }

            if (closeIndex >= 0 && run.HasBufferedEvents)
            {
                // New events arrived while the task ran; the workflow must see them before it may close.
                run.FailWorkflowTask(WorkflowTaskFailedCause.UnhandledCommand, null, request.Identity, incrementAttempt: false);
                throw ServerErrors.InvalidArgument("UnhandledCommand");
            }

            var completedEventId = run.CompleteWorkflowTask(request);
            var forceNewTask = request.ForceCreateNewWorkflowTask;
            run.ReceiveUpdateMessages(request.Messages);
            foreach (var command in commands)
            {
                forceNewTask |= run.Apply(command, completedEventId, request.Identity);
            }

            run.FinishUpdateMessages(request.ForceCreateNewWorkflowTask);

            var newTask = run.FinishWorkflowTaskCompletion(forceNewTask);
            run.AnswerInFlightQueries(request.QueryResults, newTask);
            return new RespondWorkflowTaskCompletedResponse();
        }
    }

    private ResetStickyTaskQueueResponse ResetStickyTaskQueue(ResetStickyTaskQueueRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var run = _engine.Namespace(request.Namespace).FindRun(request.Execution?.WorkflowId ?? string.Empty, request.Execution?.RunId)
                ?? throw ServerErrors.NotFound($"workflow execution not found for workflow ID \"{request.Execution?.WorkflowId}\"");
            if (!run.IsOpen)
            {
                throw ServerErrors.WorkflowCompleted();
            }

            run.ResetSticky();
            return new ResetStickyTaskQueueResponse();
        }
    }

    /// <summary>
    /// A worker that shuts down says so with its sticky queue: that queue gets no more tasks, and the tasks waiting there
    /// go to the normal queue at once instead of after their schedule-to-start timeout.
    /// </summary>
    private ShutdownWorkerResponse ShutdownWorker(ShutdownWorkerRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.StickyTaskQueue))
        {
            return new ShutdownWorkerResponse();
        }

        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            ns.FindQueue(request.StickyTaskQueue, activity: false)?.Polled(DateTime.MinValue);
            foreach (var run in ns.RunsById.Values.ToList())
            {
                run.StickyWorkerGone(request.StickyTaskQueue);
            }
        }

        return new ShutdownWorkerResponse();
    }

    private RespondWorkflowTaskFailedResponse RespondWorkflowTaskFailed(RespondWorkflowTaskFailedRequest request, ServerCallContext context)
    {
        var token = TaskToken.Parse(request.TaskToken, TaskTokenKind.WorkflowTask);
        lock (_engine.Gate)
        {
            var run = FindTaskRun(token);
            if (run is null || !run.IsCurrentWorkflowTask(token))
            {
                throw ServerErrors.WorkflowTaskNotFound();
            }

            // Real Temporal's history.enableDropRepeatedWorkflowTaskFailures: a retry's failure is dropped and the task
            // times out instead, so a worker reporting every attempt cannot make the server spin. The SDKs report
            // only the first attempt's failure anyway.
            if (run.WftAttempt == 1)
            {
                run.FailWorkflowTask(request.Cause, request.Failure, request.Identity);
            }

            return new RespondWorkflowTaskFailedResponse();
        }
    }

    private RespondQueryTaskCompletedResponse RespondQueryTaskCompleted(RespondQueryTaskCompletedRequest request, ServerCallContext context)
    {
        var token = TaskToken.Parse(request.TaskToken, TaskTokenKind.QueryTask);
        lock (_engine.Gate)
        {
            var run = FindTaskRun(token);
            if (run is null || !run.TryAnswerDirectQuery(token.QueryId, request))
            {
                throw ServerErrors.NotFound("query task not found, or already expired");
            }

            return new RespondQueryTaskCompletedResponse();
        }
    }

    private RecordActivityTaskHeartbeatResponse RecordActivityTaskHeartbeat(RecordActivityTaskHeartbeatRequest request, ServerCallContext context)
    {
        CheckBlob(request.Details);
        lock (_engine.Gate)
        {
            var (run, activity) = FindActivity(request.TaskToken);
            return run.Heartbeat(activity, request.Details);
        }
    }

    private RespondActivityTaskCompletedResponse RespondActivityTaskCompleted(RespondActivityTaskCompletedRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var (run, activity) = FindActivity(request.TaskToken);
            if (request.Result is not null && request.Result.CalculateSize() > _engine.Options.BlobSizeLimit)
            {
                // Real Temporal fails the attempt instead of accepting an oversized result.
                run.FailActivity(activity, new Failure { Message = "Blob data size exceeds limit.", Source = "Server", ApplicationFailureInfo = new ApplicationFailureInfo { Type = "BlobSizeLimitExceeded", NonRetryable = true } }, null, request.Identity);
                return new RespondActivityTaskCompletedResponse();
            }

            run.CompleteActivity(activity, request.Result, request.Identity);
            return new RespondActivityTaskCompletedResponse();
        }
    }

    private RespondActivityTaskFailedResponse RespondActivityTaskFailed(RespondActivityTaskFailedRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var (run, activity) = FindActivity(request.TaskToken);
            run.FailActivity(activity, request.Failure ?? new Failure { Message = "activity failed" }, request.LastHeartbeatDetails, request.Identity);
            return new RespondActivityTaskFailedResponse();
        }
    }

    private RespondActivityTaskCanceledResponse RespondActivityTaskCanceled(RespondActivityTaskCanceledRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var (run, activity) = FindActivity(request.TaskToken);
            run.CancelActivity(activity, request.Details, request.Identity);
            return new RespondActivityTaskCanceledResponse();
        }
    }

    private (WorkflowRun Run, ActivityState Activity) FindActivity(ByteString tokenBytes)
    {
        var token = TaskToken.Parse(tokenBytes, TaskTokenKind.ActivityTask);
        var run = FindTaskRun(token);
        var activity = run?.FindActivity(token);
        return run is not null && activity is not null ? (run, activity) : throw ServerErrors.ActivityTaskNotFound();
    }

    private WorkflowRun? FindTaskRun(TaskToken token)
    {
        var ns = _engine.Namespace(token.Namespace);
        return ns.RunsById.TryGetValue(token.RunId, out var run) ? run : null;
    }
}
