using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>
/// Update-with-start (ExecuteMultiOperation): the start's conflict policy decides whether the update goes to the running
/// workflow or to a new one, and failures come back with one status per operation, which the SDK unpacks.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class UpdateWithStartTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task UpdateWithStart_NoWorkflow_StartsItAndTheFirstTaskCarriesTheUpdate()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        var (result, events) = await worker.ExecuteAsync(async () =>
        {
            var start = StartOperation(id, 10, WorkflowIdConflictPolicy.Fail);
            var result = await server.Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync(5), new(start));
            var handle = await start.GetHandleAsync();
            Assert.Equal(15, await handle.QueryAsync(wf => wf.Counter));
            return (result, (await handle.FetchHistoryAsync()).Events.ToList());
        });

        Assert.Equal(15, result);
        Assert.Equal(
            [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
             EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted],
            events.Select(e => e.EventType));
    }

    [Fact]
    public async Task UpdateWithStart_PollerAlreadyWaiting_TheFirstTaskItGetsCarriesTheUpdate()
    {
        // A worker's poll is usually waiting when the start comes, and the server hands it the first task as that task
        // is scheduled: the update must be admitted by then. Admitted after it, the update came in a second task, which
        // a loaded CI run saw once in the test above.
        var id = $"wf-{Guid.NewGuid()}";
        var identity = $"raw-poller-{Guid.NewGuid():N}";
        var queue = new TaskQueue { Name = _queue };
        var service = server.Client.Connection.WorkflowService;
        var poll = service.PollWorkflowTaskQueueAsync(
            new PollWorkflowTaskQueueRequest { Namespace = ServerFixture.Namespace, TaskQueue = queue, Identity = identity },
            new RpcOptions { Timeout = TimeSpan.FromSeconds(60), Retry = false });
        await Eventually.TrueAsync(
            async () => (await service.DescribeTaskQueueAsync(new DescribeTaskQueueRequest { Namespace = ServerFixture.Namespace, TaskQueue = queue, TaskQueueType = TaskQueueType.Workflow }))
                .Pollers.Any(p => p.Identity == identity),
            TimeSpan.FromSeconds(30));

        using var giveUp = new CancellationTokenSource();
        var update = server.Client.StartUpdateWithStartWorkflowAsync(
            (UpdatableWorkflow wf) => wf.AddAsync(5),
            new(StartOperation(id, 10, WorkflowIdConflictPolicy.Fail), WorkflowUpdateStage.Accepted) { Rpc = new() { CancellationToken = giveUp.Token } });
        try
        {
            var task = await poll;

            Assert.Equal([EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted], task.History.Events.Select(e => e.EventType));
            var message = Assert.Single(task.Messages);
            Assert.True(message.Body.Is(Temporalio.Api.Update.V1.Request.Descriptor), $"the first task carries {message.Body.TypeUrl}, not the update");
        }
        finally
        {
            // Nobody completes the task: give the update up and end the workflow.
            await giveUp.CancelAsync();
            await ((Task)update).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            await server.Client.GetWorkflowHandle(id).TerminateAsync("test over");
        }
    }

    [Fact]
    public async Task UpdateWithStart_RunningWorkflowUseExisting_UpdatesTheRunningRun()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        await worker.ExecuteAsync(async () =>
        {
            var first = StartOperation(id, 1, WorkflowIdConflictPolicy.Fail);
            await server.Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync(1), new(first));
            var again = StartOperation(id, 1000, WorkflowIdConflictPolicy.UseExisting);
            Assert.Equal(12, await server.Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync(10), new(again)));

            Assert.Equal((await first.GetHandleAsync()).ResultRunId, (await again.GetHandleAsync()).ResultRunId);
        });
    }

    [Fact]
    public async Task UpdateWithStart_RunningWorkflowConflictFail_ThrowsWorkflowAlreadyStarted()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        await worker.ExecuteAsync(async () =>
        {
            await server.Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync(1), new(StartOperation(id, 0, WorkflowIdConflictPolicy.Fail)));

            var second = StartOperation(id, 0, WorkflowIdConflictPolicy.Fail);
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
                server.Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync(1), new(second)));
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => second.GetHandleAsync());
        });
    }

    [Fact]
    public async Task UpdateWithStart_ValidatorRejects_WorkflowStartsAndTheUpdateFails()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        await worker.ExecuteAsync(async () =>
        {
            var start = StartOperation(id, 3, WorkflowIdConflictPolicy.Fail);
            var error = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() =>
                server.Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync(-1), new(start)));

            Assert.Equal("negative values are rejected", error.InnerException?.Message);
            Assert.Equal(3, await (await start.GetHandleAsync()).QueryAsync(wf => wf.Counter));
        });
    }

    [Fact]
    public async Task UpdateWithStart_SameUpdateIdAfterTheWorkflowClosed_ReturnsTheOutcomeWithoutStarting()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        var updateId = $"update-{Guid.NewGuid()}";
        var handle = await worker.ExecuteAsync(async () =>
        {
            var start = StartOperation(id, 0, WorkflowIdConflictPolicy.Fail);
            Assert.Equal(2, await server.Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync(2), new(start) { Id = updateId }));
            var handle = await start.GetHandleAsync();
            await handle.SignalAsync(wf => wf.FinishAsync());
            await handle.GetResultAsync();
            return handle;
        });

        // No worker: the outcome comes from the closed run's history, and no run is started.
        var again = StartOperation(id, 0, WorkflowIdConflictPolicy.Fail);
        Assert.Equal(2, await server.Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync(50), new(again) { Id = updateId }));
        Assert.Equal(handle.ResultRunId, (await again.GetHandleAsync()).ResultRunId);
    }

    [Fact]
    public async Task ExecuteMultiOperation_InvalidOperations_AnswerOneStatusPerOperation()
    {
        var service = server.Client.Connection.WorkflowService;
        var id = $"wf-{Guid.NewGuid()}";
        var start = new StartWorkflowExecutionRequest
        {
            Namespace = ServerFixture.Namespace,
            WorkflowId = id,
            WorkflowType = new() { Name = "UpdatableWorkflow" },
            TaskQueue = new() { Name = _queue },
            RequestId = Guid.NewGuid().ToString(),
            CronSchedule = "* * * * *",
        };
        var update = new UpdateWorkflowExecutionRequest
        {
            Namespace = ServerFixture.Namespace,
            WorkflowExecution = new() { WorkflowId = id },
            Request = new() { Meta = new() { UpdateId = "u" }, Input = new() { Name = "Add" } },
        };

        var notStartAndUpdate = await Assert.ThrowsAsync<RpcException>(() => service.ExecuteMultiOperationAsync(new()
        {
            Namespace = ServerFixture.Namespace,
            Operations = { new ExecuteMultiOperationRequest.Types.Operation { UpdateWorkflow = update } },
        }));
        Assert.Equal(("Operations have to be exactly [Start, Update].", RpcException.StatusCode.InvalidArgument), (notStartAndUpdate.Message, notStartAndUpdate.Code));

        var cron = await Assert.ThrowsAsync<RpcException>(() => service.ExecuteMultiOperationAsync(new()
        {
            Namespace = ServerFixture.Namespace,
            Operations =
            {
                new ExecuteMultiOperationRequest.Types.Operation { StartWorkflow = start },
                new ExecuteMultiOperationRequest.Types.Operation { UpdateWorkflow = update },
            },
        }));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, cron.Code);
        Assert.True(cron.GrpcStatus.Value!.Details.Single().TryUnpack(out MultiOperationExecutionFailure failure));
        Assert.Equal([(int)RpcException.StatusCode.InvalidArgument, (int)RpcException.StatusCode.Aborted], failure.Statuses.Select(s => s.Code));
        Assert.Equal("CronSchedule is not allowed.", failure.Statuses[0].Message);
        Assert.True(failure.Statuses[1].Details.Single().Is(MultiOperationExecutionAborted.Descriptor));
    }

    private WithStartWorkflowOperation<WorkflowHandle<UpdatableWorkflow, int>> StartOperation(string id, int initial, WorkflowIdConflictPolicy conflict) =>
        WithStartWorkflowOperation.Create((UpdatableWorkflow wf) => wf.RunAsync(initial), new WorkflowOptions(id, _queue) { IdConflictPolicy = conflict });

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<UpdatableWorkflow>());
}
