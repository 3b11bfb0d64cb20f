using System.Text;
using Dstack.Backends.Local;
using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.TemporalServer.Hosting;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Contracts;
using Temporalio.Client;
using Temporalio.Worker;

namespace Dstack.Workflows.Tests;

/// <summary>
/// A run whose script is too big for Temporal, end to end on this machine: the real workflow and activities, the local
/// backend and local storage, against the embedded server with its real blob size limit.
/// </summary>
public sealed class BigScriptRunTests : IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("dstack-bigscript-").FullName;
    private EmbeddedTemporalServer _server = null!;
    private TemporalClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _client = await TemporalClient.ConnectAsync(new(_server.Address) { DataConverter = DstackDataConverter.Instance });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task Run_ScriptOver16KiB_RunsThroughStorageWithSmallInputs()
    {
        var storage = new LocalStorage(Path.Combine(_home, "storage"));
        var lines = Enumerable.Range(0, 1_000).Select(i => $"echo line-{i:D4} {new string('x', 40)}").ToList();
        var spec = await EmptyCode.BashRunAsync(storage, "big-1", [.. lines, "echo big-env ${#BIG}"]) with
        {
            Env = new Dictionary<string, string> { ["BIG"] = new string('v', 30_000) },
        };

        spec = await new RunScriptStore(storage).OffloadAsync(spec);

        Assert.NotNull(spec.ScriptHash);
        var activities = new RunActivities(new BackendRegistry([new LocalBackend(new LocalBackendOptions(_home), new MachineDetector())]), storage);
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, new TemporalWorkerOptions(queue).AddWorkflow<RunWorkflow>().AddAllActivities(activities));
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var handle = await _client.StartWorkflowAsync((RunWorkflow wf) => wf.RunAsync(new RunWorkflowInput(spec, 1)), new WorkflowOptions(spec.RunName, queue));
            var result = await handle.GetResultAsync();
            return (result, await handle.FetchHistoryAsync());
        });

        Assert.Equal(new RunResult(RunStatus.Done, 0, null, null), result);
        var log = await ReadLogAsync(storage, spec.RunName);
        Assert.Equal([.. lines.Select(l => l[5..]), "big-env 30000"], log.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The script went through storage: no input recorded in the run's history carries it.
        var inputs = history.Events
            .SelectMany(e => (e.WorkflowExecutionStartedEventAttributes?.Input?.Payloads_ ?? []).Concat(e.ActivityTaskScheduledEventAttributes?.Input?.Payloads_ ?? []))
            .ToList();
        Assert.True(inputs.Count >= 4, $"expected the workflow's input and the job activities', found {inputs.Count} payloads");
        Assert.All(inputs, p => Assert.InRange(p.CalculateSize(), 1, 8 * 1024));
    }

    private static async Task<string> ReadLogAsync(LocalStorage storage, string run)
    {
        var logs = new LogStore(storage);
        var text = new StringBuilder();
        long offset = 0;
        while (true)
        {
            var (data, next) = await logs.ReadAsync(run, StorageLayout.MainJob, offset);
            if (data.Length == 0)
            {
                return text.ToString();
            }

            text.Append(Encoding.UTF8.GetString(data));
            offset = next;
        }
    }
}
