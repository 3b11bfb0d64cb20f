using Dstack.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Persistence;

/// <summary>
/// Persistent mode keeps what real Temporal keeps of an update: once accepted, its request is in history, so after a
/// restart the workflow still completes it and its ID still deduplicates.
/// </summary>
public sealed class UpdateRestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dstack-temporal-update-restart-").FullName;
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Restart_UpdateAccepted_CompletesAfterTheRestartAndKeepsItsId()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var updateId = $"update-{Guid.NewGuid()}";
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = await client.StartWorkflowAsync((ReleaseWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, _queue));
                await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(), new(WorkflowUpdateStage.Accepted) { Id = updateId });
            });
        }

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = client.GetWorkflowHandle<ReleaseWorkflow>(id);
                await handle.SignalAsync(wf => wf.ReleaseAsync());
                Assert.Equal("released", await handle.GetUpdateHandle<string>(updateId).GetResultAsync());
                Assert.Equal("released", await handle.ExecuteUpdateAsync(wf => wf.WaitForReleaseAsync(), new(updateId)));

                var events = (await handle.FetchHistoryAsync()).Events;
                Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
                Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateCompleted);
            });
        }
    }

    private Task<EmbeddedTemporalServer> StartAsync() =>
        EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options => options.DatabasePath = Path.Combine(_directory, "temporal.db"));

    private static Task<TemporalClient> ConnectAsync(EmbeddedTemporalServer server) =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });

    private TemporalWorker NewWorker(TemporalClient client) =>
        new(client, new TemporalWorkerOptions(_queue).AddWorkflow<ReleaseWorkflow>());

    [Workflow]
    public sealed class ReleaseWorkflow
    {
        private bool _released;

        [WorkflowRun]
        public Task RunAsync() => Workflow.WaitConditionAsync(() => false);

        [WorkflowUpdate]
        public async Task<string> WaitForReleaseAsync()
        {
            await Workflow.WaitConditionAsync(() => _released);
            return "released";
        }

        [WorkflowSignal]
        public async Task ReleaseAsync() => _released = true;
    }
}
