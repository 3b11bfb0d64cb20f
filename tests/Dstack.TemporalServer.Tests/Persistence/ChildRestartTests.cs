using Dstack.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Persistence;

/// <summary>
/// Persistent mode: a parent and its running child carry on across a restart of the server: the parent still knows
/// its pending child, hears how it ends, and applies its parent close policy. Workers stop before their server, as in
/// <see cref="RestartTests"/>.
/// </summary>
public sealed class ChildRestartTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("dstack-temporal-restart-").FullName;
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Restart_ParentWaitingOnChild_ChildResultReachesParent()
    {
        var parentId = $"parent-{Guid.NewGuid()}";
        var childId = $"child-{Guid.NewGuid()}";
        await StartParentWithChildAsync(parentId, childId, waitForChild: true);

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            var pending = Assert.Single((await client.GetWorkflowHandle(parentId).DescribeRawAsync()).PendingChildren);
            Assert.Equal(childId, pending.WorkflowId);

            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                await client.GetWorkflowHandle<ChildWorkflow>(childId).SignalAsync(wf => wf.FinishAsync("after restart"));
                var parent = client.GetWorkflowHandle(parentId);
                Assert.Equal("after restart", await parent.GetResultAsync<string>());
                var completed = Assert.Single((await parent.FetchHistoryAsync()).Events, e => e.EventType == EventType.ChildWorkflowExecutionCompleted);
                Assert.Equal(pending.InitiatedId, completed.ChildWorkflowExecutionCompletedEventAttributes.InitiatedEventId);
            });
        }
    }

    [Fact]
    public async Task Restart_ParentClosesAfterRestart_ChildTerminatedByParentClosePolicy()
    {
        var parentId = $"parent-{Guid.NewGuid()}";
        var childId = $"child-{Guid.NewGuid()}";
        await StartParentWithChildAsync(parentId, childId, waitForChild: false);

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            await client.GetWorkflowHandle(parentId).TerminateAsync("by the test");
            var child = client.GetWorkflowHandle(childId);
            Assert.Equal(WorkflowExecutionStatus.Terminated, (await child.DescribeAsync()).Status);
            var history = await child.FetchHistoryAsync();
            Assert.Equal("by parent close policy", history.Events.Last().WorkflowExecutionTerminatedEventAttributes.Reason);
        }
    }

    /// <summary>Runs a first server until the parent's child has started, then stops it with its worker.</summary>
    private async Task StartParentWithChildAsync(string parentId, string childId, bool waitForChild)
    {
        await using var server = await StartAsync();
        var client = await ConnectAsync(server);
        using var worker = NewWorker(client);
        await worker.ExecuteAsync(async () =>
        {
            var parent = await client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(childId, waitForChild), new WorkflowOptions(parentId, _queue));
            await Eventually.TrueAsync(async () => (await parent.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.ChildWorkflowExecutionStarted), Deadline);
        });
    }

    private Task<EmbeddedTemporalServer> StartAsync() =>
        EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options => options.DatabasePath = Path.Combine(_directory, "temporal.db"));

    private static Task<TemporalClient> ConnectAsync(EmbeddedTemporalServer server) =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });

    private TemporalWorker NewWorker(TemporalClient client) =>
        new(client, new TemporalWorkerOptions(_queue).AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());

    [Workflow]
    public sealed class ParentWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync(string childId, bool waitForChild)
        {
            var child = await Workflow.StartChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync(), new() { Id = childId });
            if (!waitForChild)
            {
                await Workflow.WaitConditionAsync(() => false);
            }

            return await child.GetResultAsync();
        }
    }

    [Workflow]
    public sealed class ChildWorkflow
    {
        private string? _finish;

        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            await Workflow.WaitConditionAsync(() => _finish is not null);
            return _finish!;
        }

        [WorkflowSignal]
        public Task FinishAsync(string value)
        {
            _finish = value;
            return Task.CompletedTask;
        }
    }
}
