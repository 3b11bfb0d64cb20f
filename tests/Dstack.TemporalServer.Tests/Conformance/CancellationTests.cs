using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class CancellationTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task CancelAsync_WaitingWorkflow_WorkflowFailedWithCanceledFailure()
    {
        using var worker = NewWorker();
        var (failure, description, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (WaitForeverWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.QueryAsync(wf => wf.Ready);
            await h.CancelAsync();
            var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => h.GetResultAsync());
            return (ex, await h.DescribeAsync(), await h.FetchHistoryAsync());
        });

        Assert.IsType<CanceledFailureException>(failure.InnerException);
        Assert.Equal(WorkflowExecutionStatus.Canceled, description.Status);
        var types = history.Events.Select(e => e.EventType).ToList();
        Assert.Contains(EventType.WorkflowExecutionCancelRequested, types);
        Assert.Equal(EventType.WorkflowExecutionCanceled, types[^1]);
        Assert.Equal(EventType.WorkflowTaskCompleted, types[^2]);
    }

    [Fact]
    public async Task CancelAsync_WorkflowHandlesCancellation_RunsCleanupAndCompletes()
    {
        using var worker = NewWorker();
        var (result, description) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CleanupWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.QueryAsync(wf => wf.Ready);
            await h.CancelAsync();
            return (await h.GetResultAsync(), await h.DescribeAsync());
        });

        Assert.Equal("cleaned up", result);
        Assert.Equal(WorkflowExecutionStatus.Completed, description.Status);
    }

    [Fact]
    public async Task CancelAsync_Twice_SecondRequestIsNoOp()
    {
        var h = await server.Client.StartWorkflowAsync(
            (WaitForeverWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
        await h.CancelAsync();
        await h.CancelAsync();
        var history = await h.FetchHistoryAsync();
        Assert.Single(history.Events, e => e.EventType == EventType.WorkflowExecutionCancelRequested);
        await h.TerminateAsync();
    }

    [Fact]
    public async Task CancelAsync_CompletedWorkflow_Succeeds()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CleanupWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.QueryAsync(wf => wf.Ready);
            await h.CancelAsync();
            await h.GetResultAsync();

            // Real Temporal answers a cancel request on a closed run with success and changes nothing.
            await h.CancelAsync();
            Assert.Equal(WorkflowExecutionStatus.Completed, (await h.DescribeAsync()).Status);
        });
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<WaitForeverWorkflow>()
            .AddWorkflow<CleanupWorkflow>()
            .AddActivity(CleanupWorkflow.Cleanup));

    [Workflow]
    public sealed class WaitForeverWorkflow
    {
        [WorkflowQuery]
        public bool Ready => true;

        [WorkflowRun]
        public Task RunAsync() => Workflow.WaitConditionAsync(() => false);
    }

    [Workflow]
    public sealed class CleanupWorkflow
    {
        [WorkflowQuery]
        public bool Ready => true;

        [Activity]
        public static string Cleanup() => "cleaned up";

        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            try
            {
                await Workflow.WaitConditionAsync(() => false);
                return "not canceled";
            }
            catch (OperationCanceledException)
            {
                // The workflow's token is canceled; cleanup runs under a fresh one.
                return await Workflow.ExecuteActivityAsync(
                    () => Cleanup(),
                    new() { StartToCloseTimeout = TimeSpan.FromSeconds(10), CancellationToken = CancellationToken.None });
            }
        }
    }
}
