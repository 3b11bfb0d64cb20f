using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>
/// The worker's build ID is recorded in each WorkflowTaskCompleted event, so a workflow that branches on
/// Workflow.CurrentBuildId replays the same way on a worker with another build ID.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WorkerBuildIdTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task Query_AfterRestartWithNewBuildId_ReplaysWithTheRecordedOne()
    {
        WorkflowHandle<BuildIdWorkflow, string> handle;
        using (var first = NewWorker("1.0"))
        {
            handle = await first.ExecuteAsync(async () =>
            {
                var h = await server.Client.StartWorkflowAsync((BuildIdWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));

                // Past both timers: the query replays the tasks that took the branch of build 1.0.
                await Eventually.TrueAsync(async () => (await h.FetchHistoryAsync()).Events.Count(e => e.EventType == EventType.TimerFired) == 2, TimeSpan.FromSeconds(10));
                Assert.Equal("1.0", await h.QueryAsync(wf => wf.BuildId()));
                return h;
            });
        }

        using var second = NewWorker("1.1");
        await second.ExecuteAsync(async () =>
        {
            // A new worker replays the history from scratch: the timer branch taken under 1.0 must be taken again.
            Assert.Equal("1.0", await handle.QueryAsync(wf => wf.BuildId()));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("1.1", await handle.GetResultAsync());
        });

        var completed = (await handle.FetchHistoryAsync()).Events.Where(e => e.EventType == EventType.WorkflowTaskCompleted).ToList();
#pragma warning disable CS0612 // WorkerVersion is deprecated in the API, yet it is what the SDK replays Workflow.CurrentBuildId from.
        Assert.Equal("1.0", completed[0].WorkflowTaskCompletedEventAttributes.WorkerVersion.BuildId);
        Assert.Equal("1.1", completed[^1].WorkflowTaskCompletedEventAttributes.WorkerVersion.BuildId);
#pragma warning restore CS0612
    }

    private TemporalWorker NewWorker(string buildId) =>
#pragma warning disable CS0618 // BuildId without versioning is what a plain worker sets to tell its builds apart.
        new(server.Client, new TemporalWorkerOptions(_queue) { BuildId = buildId, MaxCachedWorkflows = 0 }.AddWorkflow<BuildIdWorkflow>());
#pragma warning restore CS0618

    [Workflow]
    public sealed class BuildIdWorkflow
    {
        private bool _finish;

        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
            if (Workflow.CurrentBuildId == "1.0")
            {
                await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
            }

            await Workflow.WaitConditionAsync(() => _finish);
            return Workflow.CurrentBuildId;
        }

        [WorkflowSignal]
        public Task FinishAsync()
        {
            _finish = true;
            return Task.CompletedTask;
        }

        [WorkflowQuery]
        public string BuildId() => Workflow.CurrentBuildId;
    }
}
