using System.Globalization;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.Tests.Conformance;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Common;
using Temporalio.Worker;

namespace Dstack.TemporalServer.Tests.Persistence;

/// <summary>
/// Schedules of a persistent server outlive it: their definition, what they did, their waiting starts and the
/// workflows they follow; and the actions that came due while the server was down are taken within the catch-up window.
/// The down time is played with a clock moved forward between the two servers.
/// </summary>
public sealed class ScheduleRestartTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly SearchAttributeKey<string> Keyword = SearchAttributeKey.CreateKeyword("TestKeyword");

    private readonly string _directory = Directory.CreateTempSubdirectory("dstack-temporal-schedules-").FullName;
    private readonly string _queue = $"tq-{Guid.NewGuid()}";
    private readonly ShiftedTimeProvider _clock = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Restart_ActionsMissedWhileDown_TakenWithinTheCatchupWindowAndTheRestCountedMissed()
    {
        // Five actions, a minute apart, all after the first server stops.
        var now = _clock.GetUtcNow().UtcDateTime;
        var minute = now.AddTicks(TimeSpan.TicksPerMinute - (now.Ticks % TimeSpan.TicksPerMinute));
        var workflowId = $"wf-{Guid.NewGuid()}";
        var schedule = new Schedule(
            ScheduleActionStartWorkflow.Create((SchedulesTests.ScheduledWorkflow wf) => wf.RunAsync("done"), new WorkflowOptions(workflowId, _queue)),
            new ScheduleSpec
            {
                Intervals = [new(TimeSpan.FromMinutes(1))],
                StartAt = minute + TimeSpan.FromMinutes(1),
                EndAt = minute + TimeSpan.FromMinutes(5),
            })
        {
            Policy = new() { Overlap = ScheduleOverlapPolicy.AllowAll, CatchupWindow = TimeSpan.FromSeconds(150) },
        };
        var id = $"sched-{Guid.NewGuid()}";
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            var handle = await client.CreateScheduleAsync(id, schedule);
            Assert.Equal(5, (await handle.DescribeAsync()).Info.NextActionTimes.Count);
        }

        // Down until a minute after the last action: the last two are within 150 s, the first three are not.
        _clock.Offset = minute + TimeSpan.FromMinutes(6) - DateTime.UtcNow;
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            var description = await DescribeWhenAsync(client.GetScheduleHandle(id), d => d.Info.NumActions == 2);

            Assert.Equal(3, description.Info.NumActionsMissedCatchupWindow);
            Assert.Empty(description.Info.NextActionTimes);
            Assert.Equal(
                [WorkflowIdAt(workflowId, minute + TimeSpan.FromMinutes(4)), WorkflowIdAt(workflowId, minute + TimeSpan.FromMinutes(5))],
                description.Info.RecentActions.Select(a => ((ScheduleActionExecutionStartWorkflow)a.Action).WorkflowId));
            var started = new List<string>();
            await foreach (var execution in client.ListWorkflowsAsync($"TemporalScheduledById = '{id}'"))
            {
                started.Add(execution.Id);
            }

            Assert.Equal(2, started.Count);
        }
    }

    [Fact]
    public async Task Restart_RunningWorkflowAndBufferedStart_BufferedOneStartsWhenTheRunningOneCloses()
    {
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMinute));
        var tag = Guid.NewGuid().ToString();
        var schedule = new Schedule(
            ScheduleActionStartWorkflow.Create((SchedulesTests.ScheduledWorkflow wf) => wf.RunAsync("wait"), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)),
            new ScheduleSpec { Intervals = [new(TimeSpan.FromMinutes(1))] })
        {
            Policy = new() { Overlap = ScheduleOverlapPolicy.BufferOne },
            State = new() { Paused = true, Note = "kept" },
        };
        var id = $"sched-{Guid.NewGuid()}";
        string running;
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            running = await worker.ExecuteAsync(async () =>
            {
                var handle = await client.CreateScheduleAsync(id, schedule, new ScheduleOptions
                {
                    Memo = new Dictionary<string, object> { ["owner"] = "alice" },
                    TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(Keyword, tag).ToSearchAttributeCollection(),
                });
                await handle.BackfillAsync([new(now - TimeSpan.FromMinutes(2), now - TimeSpan.FromMinutes(1))]);
                var description = await DescribeWhenAsync(handle, d => d.Info.RunningActions.Count == 1);
                return ((ScheduleActionExecutionStartWorkflow)description.Info.RunningActions.Single()).WorkflowId;
            });
        }

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            var handle = client.GetScheduleHandle(id);
            var restored = await handle.DescribeAsync();
            Assert.Equal(1, restored.Info.NumActions);
            Assert.Equal("kept", restored.Schedule.State.Note);
            Assert.Equal("alice", await restored.Memo["owner"].ToValueAsync<string>());
            var listed = new List<string>();
            await foreach (var entry in client.ListSchedulesAsync(new ScheduleListOptions { Query = $"TestKeyword = '{tag}'" }))
            {
                listed.Add(entry.Id);
            }

            Assert.Equal([id], listed);

            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                await client.GetWorkflowHandle<SchedulesTests.ScheduledWorkflow>(running).SignalAsync(wf => wf.FinishAsync());
                var description = await DescribeWhenAsync(handle, d => d.Info.NumActions == 2 && d.Info.RunningActions.Count == 1);

                var next = ((ScheduleActionExecutionStartWorkflow)description.Info.RunningActions.Single()).WorkflowId;
                Assert.EndsWith((now - TimeSpan.FromMinutes(1)).ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture), next);
                await client.GetWorkflowHandle(next).TerminateAsync("test done");
            });
        }
    }

    private static string WorkflowIdAt(string workflowId, DateTime nominal) =>
        $"{workflowId}-{nominal.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";

    private static async Task<ScheduleDescription> DescribeWhenAsync(ScheduleHandle handle, Func<ScheduleDescription, bool> condition)
    {
        ScheduleDescription? description = null;
        await Eventually.TrueAsync(async () => condition(description = await handle.DescribeAsync()), Deadline);
        return description!;
    }

    private static Task<TemporalClient> ConnectAsync(EmbeddedTemporalServer server) =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });

    private Task<EmbeddedTemporalServer> StartAsync() =>
        EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
        {
            options.DatabasePath = Path.Combine(_directory, "temporal.db");
            options.SearchAttributes["TestKeyword"] = IndexedValueType.Keyword;
            options.TimeProvider = _clock;
        });

    private TemporalWorker NewWorker(TemporalClient client) =>
        new(client, new TemporalWorkerOptions(_queue).AddWorkflow<SchedulesTests.ScheduledWorkflow>());
}
