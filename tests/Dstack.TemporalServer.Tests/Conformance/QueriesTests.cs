using System.Collections.Concurrent;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class QueriesTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task Query_RunningWorkflow_ReturnsHandlerResult()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (QueryWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            Assert.Equal("waiting", await h.QueryAsync(wf => wf.State));
            await h.SignalAsync(wf => wf.SetAsync("updated"));
            Assert.Equal("updated", await h.QueryAsync(wf => wf.State));
            Assert.Equal("updated!", await h.QueryAsync(wf => wf.Decorate("!")));
            await h.SignalAsync(wf => wf.FinishAsync());
            await h.GetResultAsync();
        });
    }

    [Fact]
    public async Task Query_ClosedWorkflow_ReturnsFinalState()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (QueryWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.SignalAsync(wf => wf.SetAsync("final"));
            await h.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("final", await h.GetResultAsync());
            Assert.Equal("final", await h.QueryAsync(wf => wf.State));
        });
    }

    [Fact]
    public async Task Query_ClosedWorkflowWithRejectNotOpen_ThrowsQueryRejected()
    {
        using var worker = NewWorker();
        var rejected = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (QueryWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.SignalAsync(wf => wf.FinishAsync());
            await h.GetResultAsync();
            return await Assert.ThrowsAsync<WorkflowQueryRejectedException>(() =>
                h.QueryAsync(wf => wf.State, new WorkflowQueryOptions { RejectCondition = QueryRejectCondition.NotOpen }));
        });
        Assert.Equal(WorkflowExecutionStatus.Completed, rejected.WorkflowStatus);
    }

    [Fact]
    public async Task Query_HandlerThrows_WorkflowQueryFailedException()
    {
        using var worker = NewWorker();
        var failure = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (QueryWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            var ex = await Assert.ThrowsAsync<WorkflowQueryFailedException>(() => h.QueryAsync(wf => wf.Throw()));

            // A failed query does not affect the workflow.
            await h.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("waiting", await h.GetResultAsync());
            return ex;
        });
        Assert.Contains("query handler is broken", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_UnknownQueryType_WorkflowQueryFailedException()
    {
        using var worker = NewWorker();
        var failure = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (QueryWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            var ex = await Assert.ThrowsAsync<WorkflowQueryFailedException>(() => h.QueryAsync<string>("NoSuchQuery", []));
            await h.TerminateAsync();
            return ex;
        });
        Assert.Contains("NoSuchQuery", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_SentBeforeFirstWorkflowTask_AnsweredWithFirstTask()
    {
        var h = await server.Client.StartWorkflowAsync(
            (QueryWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));

        // No worker yet: the query waits for the workflow's first task.
        var query = h.QueryAsync(wf => wf.State);
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            Assert.Equal("waiting", await query.WaitAsync(TimeSpan.FromSeconds(10)));
            await h.SignalAsync(wf => wf.FinishAsync());
            await h.GetResultAsync();
        });
    }

    [Fact]
    public async Task Query_WhileWorkflowTaskInFlight_AnsweredAfterTaskWithItsEffects()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (QueryWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            Assert.Equal("waiting", await h.QueryAsync(wf => wf.State));

            // The handler of this signal blocks its workflow task for a while.
            await h.SignalAsync(wf => wf.SlowSetAsync("slow"));
            await Eventually.TrueAsync(
                async () => (await h.DescribeRawAsync()).PendingWorkflowTask?.State == PendingWorkflowTaskState.Started,
                TimeSpan.FromSeconds(5));
            Assert.Equal("slow", await h.QueryAsync(wf => wf.State));
            await h.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("slow", await h.GetResultAsync());
        });
    }

    [Fact]
    public async Task Query_ClosedBeforeFirstWorkflowTask_ThrowsFailedPrecondition()
    {
        var h = await server.Client.StartWorkflowAsync(
            (QueryWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
        await h.TerminateAsync();

        // No workflow task ever completed, so no worker can rebuild the state (WorkflowNotReady).
        var ex = await Assert.ThrowsAsync<RpcException>(() => h.QueryAsync(wf => wf.State));
        Assert.Equal(RpcException.StatusCode.FailedPrecondition, ex.Code);
    }

    [Fact]
    public async Task Query_RidesOnATaskStartedWhileThePreviousOneCompletes_AnsweredByThatTaskOnly()
    {
        // A worker polling while a task completes takes the next task at once; the query it carries must be answered
        // by that task's result, not treated as one the completed task left unanswered and sent again.
        var service = server.Client.Connection.WorkflowService;
        var handle = await server.Client.StartWorkflowAsync("RawWorkflow", [], new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
        var task = await RawWorkflowTasks.PollAsync(server.Client, _queue, "raw-0");
        var query = Task.Run(() => handle.QueryAsync<string>("Q", []));
        for (var i = 1; task.Queries.Count == 0; i++)
        {
            Assert.True(i < 50, "no workflow task carried the query");
            var identity = $"raw-{i}";
            var next = RawWorkflowTasks.PollAsync(server.Client, _queue, identity);
            await Eventually.TrueAsync(
                async () => (await service.DescribeTaskQueueAsync(new()
                {
                    Namespace = ServerFixture.Namespace,
                    TaskQueue = new() { Name = _queue },
                    TaskQueueType = TaskQueueType.Workflow,
                })).Pollers.Any(p => p.Identity == identity),
                TimeSpan.FromSeconds(30));
            await service.RespondWorkflowTaskCompletedAsync(new()
            {
                Namespace = ServerFixture.Namespace,
                TaskToken = task.TaskToken,
                Identity = identity,
                ForceCreateNewWorkflowTask = true,
            });
            task = await next;
        }

        var answer = new Temporalio.Api.Query.V1.WorkflowQueryResult
        {
            ResultType = QueryResultType.Answered,
            Answer = new() { Payloads_ = { Temporalio.Converters.DataConverter.Default.PayloadConverter.ToPayload("answered by the task") } },
        };
        var request = new Temporalio.Api.WorkflowService.V1.RespondWorkflowTaskCompletedRequest { Namespace = ServerFixture.Namespace, TaskToken = task.TaskToken, Identity = "raw" };
        request.QueryResults.Add(task.Queries.Single().Key, answer);
        await service.RespondWorkflowTaskCompletedAsync(request);

        Assert.Equal("answered by the task", await query.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<QueryWorkflow>());

    [Workflow]
    public sealed class QueryWorkflow
    {
        private static readonly ConcurrentDictionary<string, bool> SlowedDown = new();
        private bool _finish;

        [WorkflowQuery]
        public string State { get; private set; } = "waiting";

        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            await Workflow.WaitConditionAsync(() => _finish);
            return State;
        }

        [WorkflowQuery]
        public string Decorate(string suffix) => State + suffix;

        [WorkflowQuery]
        public string Throw() => throw new InvalidOperationException("query handler is broken");

        [WorkflowSignal]
        public Task SetAsync(string value)
        {
            State = value;
            return Task.CompletedTask;
        }

        [WorkflowSignal]
        public Task SlowSetAsync(string value)
        {
            State = value;
            if (SlowedDown.TryAdd(Workflow.Info.WorkflowId, true))
            {
                // Keeps this workflow task started on the server (below the SDK's 2 s deadlock detection).
                Thread.Sleep(700);
            }

            return Task.CompletedTask;
        }

        [WorkflowSignal]
        public Task FinishAsync()
        {
            _finish = true;
            return Task.CompletedTask;
        }
    }
}
