using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class TaskQueueTests(ServerFixture server)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly string _queue = $"tq-{Guid.NewGuid()}";
    private readonly string _identity = $"worker-{Guid.NewGuid()}";

    [Fact]
    public async Task DescribeTaskQueue_WorkerRunning_ListsItForWorkflowAndActivityTasks()
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue) { Identity = _identity }
            .AddWorkflow<EchoWorkflow>()
            .AddActivity(EchoWorkflow.Echo));
        var startedAt = DateTime.UtcNow;
        await worker.ExecuteAsync(async () =>
        {
            foreach (var type in new[] { TaskQueueType.Workflow, TaskQueueType.Activity })
            {
                PollerInfo? poller = null;
                await Eventually.TrueAsync(
                    async () =>
                    {
                        poller = (await DescribeAsync(new TaskQueue { Name = _queue }, type)).Pollers.SingleOrDefault(p => p.Identity == _identity);
                        return poller is not null;
                    },
                    Deadline);

                Assert.NotNull(poller);
                Assert.InRange(poller.LastAccessTime.ToDateTime(), startedAt.AddSeconds(-5), DateTime.UtcNow.AddSeconds(5));
                Assert.True(poller.RatePerSecond > 0, $"{type} poller's rate is {poller.RatePerSecond}");
            }
        });
    }

    [Fact]
    public async Task DescribeTaskQueue_WorkflowPollOnly_ListedForWorkflowTasksNotActivityTasks()
    {
        var queue = new TaskQueue { Name = _queue };
        await WhilePollingAsync(queue, async () =>
        {
            await Eventually.TrueAsync(async () => (await DescribeAsync(queue, TaskQueueType.Workflow)).Pollers.Any(p => p.Identity == _identity), Deadline);
            Assert.DoesNotContain((await DescribeAsync(queue, TaskQueueType.Activity)).Pollers, p => p.Identity == _identity);
        });
    }

    [Fact]
    public async Task DescribeTaskQueue_StickyQueueByItsName_ListsItsPoller()
    {
        var sticky = new TaskQueue { Name = $"sticky-{Guid.NewGuid()}", Kind = TaskQueueKind.Sticky, NormalName = _queue };
        await WhilePollingAsync(sticky, () =>
            Eventually.TrueAsync(async () => (await DescribeAsync(sticky, TaskQueueType.Workflow)).Pollers.Any(p => p.Identity == _identity), Deadline));
    }

    [Fact]
    public async Task DescribeTaskQueue_QueueNobodyPolled_NoPollersForEitherType()
    {
        var queue = new TaskQueue { Name = _queue };

        Assert.Empty((await DescribeAsync(queue, TaskQueueType.Workflow)).Pollers);
        Assert.Empty((await DescribeAsync(queue, TaskQueueType.Activity)).Pollers);
    }

    [Fact]
    public async Task DescribeTaskQueue_NoQueueName_ThrowsInvalidArgument()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => DescribeAsync(new TaskQueue(), TaskQueueType.Workflow));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, ex.Code);
    }

    private Task<DescribeTaskQueueResponse> DescribeAsync(TaskQueue queue, TaskQueueType type) =>
        server.Client.Connection.WorkflowService.DescribeTaskQueueAsync(new DescribeTaskQueueRequest
        {
            Namespace = ServerFixture.Namespace,
            TaskQueue = queue,
            TaskQueueType = type,
        });

    /// <summary>Runs <paramref name="action"/> while one raw workflow task poll of this test's identity waits on <paramref name="queue"/>.</summary>
    private async Task WhilePollingAsync(TaskQueue queue, Func<Task> action)
    {
        using var stop = new CancellationTokenSource();
        var poll = server.Client.Connection.WorkflowService.PollWorkflowTaskQueueAsync(
            new PollWorkflowTaskQueueRequest { Namespace = ServerFixture.Namespace, TaskQueue = queue, Identity = _identity },
            new RpcOptions { CancellationToken = stop.Token, Timeout = TimeSpan.FromSeconds(30), Retry = false });
        try
        {
            await action();
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await poll;
            }
            catch (OperationCanceledException)
            {
                // The poll was cancelled, as intended.
            }
            catch (RpcException e) when (e.Code == RpcException.StatusCode.Cancelled)
            {
                // The same, reported by the connection.
            }
        }
    }

    [Workflow]
    public sealed class EchoWorkflow
    {
        [Temporalio.Activities.Activity]
        public static string Echo(string value) => value;

        [WorkflowRun]
        public Task<string> RunAsync(string value) =>
            Workflow.ExecuteActivityAsync(() => Echo(value), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }
}
