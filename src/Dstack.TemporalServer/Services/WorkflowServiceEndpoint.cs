using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <summary>
/// The WorkflowService: every method the official SDKs' clients and workers call (connecting, task polls and results,
/// start, signal, query, cancel, terminate, describe, history, list and count); any other method answers UNIMPLEMENTED,
/// as real Temporal does for an API it lacks (docs/architecture.md#the-embedded-temporal-server).
/// </summary>
internal sealed partial class WorkflowServiceEndpoint : IDescriptorEndpoint
{
    private readonly TemporalEngine _engine;
    private readonly HandlerTable _handlers = new();

    public WorkflowServiceEndpoint(TemporalEngine engine)
    {
        _engine = engine;
        _handlers
            .Add<GetSystemInfoRequest>("GetSystemInfo", GetSystemInfo)
            .Add<GetClusterInfoRequest>("GetClusterInfo", GetClusterInfo)
            .Add<DescribeNamespaceRequest>("DescribeNamespace", DescribeNamespace)
            .Add<ListNamespacesRequest>("ListNamespaces", ListNamespaces)
            .Add<StartWorkflowExecutionRequest>("StartWorkflowExecution", StartWorkflowExecution)
            .Add<SignalWithStartWorkflowExecutionRequest>("SignalWithStartWorkflowExecution", SignalWithStartWorkflowExecution)
            .Add<SignalWorkflowExecutionRequest>("SignalWorkflowExecution", SignalWorkflowExecution)
            .Add<QueryWorkflowRequest>("QueryWorkflow", QueryWorkflowAsync)
            .Add<UpdateWorkflowExecutionRequest>("UpdateWorkflowExecution", UpdateWorkflowExecutionAsync)
            .Add<PollWorkflowExecutionUpdateRequest>("PollWorkflowExecutionUpdate", PollWorkflowExecutionUpdateAsync)
            .Add<ExecuteMultiOperationRequest>("ExecuteMultiOperation", ExecuteMultiOperationAsync)
            .Add<RequestCancelWorkflowExecutionRequest>("RequestCancelWorkflowExecution", RequestCancelWorkflowExecution)
            .Add<TerminateWorkflowExecutionRequest>("TerminateWorkflowExecution", TerminateWorkflowExecution)
            .Add<DescribeWorkflowExecutionRequest>("DescribeWorkflowExecution", DescribeWorkflowExecution)
            .Add<GetWorkflowExecutionHistoryRequest>("GetWorkflowExecutionHistory", GetWorkflowExecutionHistoryAsync)
            .Add<GetWorkflowExecutionHistoryReverseRequest>("GetWorkflowExecutionHistoryReverse", GetWorkflowExecutionHistoryReverse)
            .Add<ListWorkflowExecutionsRequest>("ListWorkflowExecutions", ListWorkflowExecutions)
            .Add<CountWorkflowExecutionsRequest>("CountWorkflowExecutions", CountWorkflowExecutions)
            .Add<PollWorkflowTaskQueueRequest>("PollWorkflowTaskQueue", PollWorkflowTaskQueueAsync)
            .Add<RespondWorkflowTaskCompletedRequest>("RespondWorkflowTaskCompleted", RespondWorkflowTaskCompleted)
            .Add<RespondWorkflowTaskFailedRequest>("RespondWorkflowTaskFailed", RespondWorkflowTaskFailed)
            .Add<RespondQueryTaskCompletedRequest>("RespondQueryTaskCompleted", RespondQueryTaskCompleted)
            .Add<PollActivityTaskQueueRequest>("PollActivityTaskQueue", PollActivityTaskQueueAsync)
            .Add<DescribeTaskQueueRequest>("DescribeTaskQueue", DescribeTaskQueue)
            .Add<RecordActivityTaskHeartbeatRequest>("RecordActivityTaskHeartbeat", RecordActivityTaskHeartbeat)
            .Add<RespondActivityTaskCompletedRequest>("RespondActivityTaskCompleted", RespondActivityTaskCompleted)
            .Add<RespondActivityTaskFailedRequest>("RespondActivityTaskFailed", RespondActivityTaskFailed)
            .Add<RespondActivityTaskCanceledRequest>("RespondActivityTaskCanceled", RespondActivityTaskCanceled)
            .Add<PauseActivityRequest>("PauseActivity", PauseActivity)
            .Add<UnpauseActivityRequest>("UnpauseActivity", UnpauseActivity)
            .Add<ResetActivityRequest>("ResetActivity", ResetActivity)
            .Add<ResetStickyTaskQueueRequest>("ResetStickyTaskQueue", ResetStickyTaskQueue)
            .Add<ShutdownWorkerRequest>("ShutdownWorker", ShutdownWorker);
        AddScheduleHandlers();
    }

    public Task<IMessage> HandleAsync(string method, IMessage request, ServerCallContext context) =>
        _engine.IsPersistent ? HandlePersistentAsync(method, request, context) : _handlers.InvokeAsync(method, request, context);

    /// <summary>Answers only once the call's changes are on disk, also when it fails after changing state (a failed workflow task).</summary>
    private async Task<IMessage> HandlePersistentAsync(string method, IMessage request, ServerCallContext context)
    {
        try
        {
            return await _handlers.InvokeAsync(method, request, context);
        }
        finally
        {
            await _engine.PersistAsync();
        }
    }

    /// <summary>Finds a run: the given run ID, or the current run of the workflow ID when it is empty.</summary>
    private static WorkflowRun ResolveRun(ServerNamespace ns, WorkflowExecution? execution)
    {
        if (string.IsNullOrEmpty(execution?.WorkflowId))
        {
            throw ServerErrors.InvalidArgument("WorkflowId is not set on request.");
        }

        return ns.FindRun(execution.WorkflowId, execution.RunId) ?? throw ServerErrors.WorkflowNotFound();
    }

    private void CheckBlob(Payloads? payload)
    {
        if (payload is not null && payload.CalculateSize() > _engine.Options.BlobSizeLimit)
        {
            throw ServerErrors.BlobTooLarge();
        }
    }

    /// <summary>Waits like a real long poll: until a task arrives, the client gives up, or just before the client's deadline.</summary>
    private async Task<IMessage> LongPollAsync(MatchingQueue queue, PollerInfo poller, ServerCallContext context, IMessage empty)
    {
        LinkedListNode<MatchingQueue.Waiter> node;
        lock (_engine.Gate)
        {
            queue.RecentPollers.Record(poller, _engine.UtcNow);
            queue.Polled(_engine.UtcNow);
            if (queue.TryTake(poller) is { } ready)
            {
                return ready;
            }

            node = queue.AddPoller(poller);
        }

        var wait = LongPollWait(context, _engine.Options.LongPollTimeout);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        timeout.CancelAfter(wait);
        await using var registration = timeout.Token.Register(() =>
        {
            lock (_engine.Gate)
            {
                if (queue.RemovePoller(node))
                {
                    node.Value.Completion.TrySetResult(null);
                }
            }
        });
        try
        {
            return await node.Value.Completion.Task ?? empty;
        }
        finally
        {
            // Real Temporal stamps a poller again when its long poll ends, so a worker stays listed while it keeps polling.
            lock (_engine.Gate)
            {
                queue.RecentPollers.Record(poller, _engine.UtcNow);
                queue.Polled(_engine.UtcNow);
            }
        }
    }

    /// <summary>Answer one second before the client's deadline, never later than <paramref name="maximum"/>.</summary>
    private TimeSpan LongPollWait(ServerCallContext context, TimeSpan maximum)
    {
        var untilDeadline = context.Deadline == DateTime.MaxValue ? maximum : context.Deadline - _engine.UtcNow - TimeSpan.FromSeconds(1);
        return untilDeadline < maximum ? (untilDeadline > TimeSpan.Zero ? untilDeadline : TimeSpan.Zero) : maximum;
    }
}
