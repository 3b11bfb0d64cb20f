using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;
using Xunit.Abstractions;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>
/// A workflow whose commands the server refuses must not spin: real Temporal fails the first attempt, drops the refused
/// retries and lets them time out, later and later from attempt 4 on, while the history stays as it was.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class UnsupportedCommandTests(ServerFixture server, ITestOutputHelper output)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task ScheduleNexusOperation_KeepsRefused_RetriedAfterGrowingTimeoutWithoutGrowingHistory()
    {
        using var worker = NewWorker(server.Client);
        await worker.ExecuteAsync(async () =>
        {
            var handle = await server.Client.StartWorkflowAsync(
                (NexusCallerWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { TaskTimeout = TimeSpan.FromSeconds(1) });

            // Attempts 2 and 3 wait out the 1 s task timeout; attempt 4 waits 1 s plus 4–5 s more.
            var fourth = await WaitForAttemptAsync(handle, 4, TimeSpan.FromSeconds(30));
            var fifth = await WaitForAttemptAsync(handle, 5, TimeSpan.FromSeconds(30));
            Assert.Equal(4, fourth.Attempt);
            var gap = fifth.ScheduledTime.ToDateTime() - fourth.StartedTime.ToDateTime();
            Assert.True(gap >= TimeSpan.FromSeconds(4.9), $"attempt 5 came {gap} after attempt 4 started");

            // Only the first attempt is in the history: started, scheduled, started, failed.
            var history = await handle.FetchHistoryAsync();
            Assert.Equal(
                [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskFailed],
                history.Events.Select(e => e.EventType));
            var failed = history.Events.Last().WorkflowTaskFailedEventAttributes;
            if (server.IsEmbedded)
            {
                Assert.Equal(WorkflowTaskFailedCause.FeatureDisabled, failed.Cause);
                Assert.Equal("FeatureDisabled: Nexus operations disabled", failed.Failure.Message);
            }
            else
            {
                // A real server has Nexus on and refuses the endpoint instead.
                Assert.Equal(WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, failed.Cause);
            }

            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task RespondWorkflowTaskCompleted_UnknownCommandType_InvalidArgumentAndTaskLeftToTimeOut()
    {
        var handle = await server.Client.StartWorkflowAsync("NoSuchWorkflow", [], new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
        var service = server.Client.Connection.WorkflowService;
        var task = await service.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest
        {
            Namespace = ServerFixture.Namespace,
            TaskQueue = new TaskQueue { Name = _queue },
            Identity = "raw-worker",
        });

        var ex = await Assert.ThrowsAsync<RpcException>(() => service.RespondWorkflowTaskCompletedAsync(new RespondWorkflowTaskCompletedRequest
        {
            Namespace = ServerFixture.Namespace,
            TaskToken = task.TaskToken,
            Identity = "raw-worker",
            Commands = { new Command { CommandType = CommandType.Unspecified } },
        }));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, ex.Code);
        Assert.StartsWith("Unknown command type", ex.Message, StringComparison.Ordinal);
        var description = await handle.DescribeRawAsync();
        Assert.Equal(PendingWorkflowTaskState.Started, description.PendingWorkflowTask.State);
        Assert.DoesNotContain((await handle.FetchHistoryAsync()).Events, e => e.EventType == EventType.WorkflowTaskFailed);
        await handle.TerminateAsync();
    }

    [Fact]
    public async Task ScheduleNexusOperation_KeepsRefused_CostsTheServerLittleCpuWhileOthersComplete()
    {
        // Its own server process, so its CPU time is the server's alone.
        var database = Environment.GetEnvironmentVariable("DSTACK_TEST_SERVER_DB") == "1"
            ? Directory.CreateTempSubdirectory("dstack-temporal-db-").FullName
            : null;
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "dstack-temporal-server"))
        {
            ArgumentList = { "server", "start-dev", "--port", "0", "--headless" },
            RedirectStandardOutput = true,
        };
        if (database is not null)
        {
            start.ArgumentList.Add("--db-filename");
            start.ArgumentList.Add(Path.Combine(database, "temporal.db"));
        }

        using var process = Process.Start(start)!;
        try
        {
            var ready = await process.StandardOutput.ReadLineAsync() ?? string.Empty;
            var address = System.Text.RegularExpressions.Regex.Match(ready, @"127\.0\.0\.1:\d+").Value;
            var client = await TemporalClient.ConnectAsync(new(address));
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var bad = await client.StartWorkflowAsync(
                    (NexusCallerWorkflow wf) => wf.RunAsync(),
                    new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { TaskTimeout = TimeSpan.FromSeconds(2) });
                await WaitForAttemptAsync(bad, 2, TimeSpan.FromSeconds(30));

                var window = Stopwatch.StartNew();
                var cpuBefore = CpuTime(process);
                var others = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
                {
                    var h = await client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync(i), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
                    return await h.GetResultAsync();
                }));

                // A fixed window on purpose: what is measured is what the server does while it waits for retries.
                var remaining = TimeSpan.FromSeconds(3) - window.Elapsed;
                if (remaining > TimeSpan.Zero)
                {
                    await Task.Delay(remaining);
                }

                var cpu = CpuTime(process) - cpuBefore;
                var elapsed = window.Elapsed;
                var attempt = (await bad.DescribeRawAsync()).PendingWorkflowTask.Attempt;
                var events = (await bad.FetchHistoryAsync()).Events.Count;

                output.WriteLine($"server CPU {cpu.TotalMilliseconds:F0} ms in {elapsed.TotalMilliseconds:F0} ms; refused workflow at attempt {attempt}, {events} events");
                Assert.Equal(Enumerable.Range(0, 10), others);

                // One attempt per task timeout at most; a busy loop makes hundreds.
                Assert.True(attempt <= 2 + (int)Math.Ceiling(elapsed / TimeSpan.FromSeconds(2)), $"attempt {attempt} after {elapsed}");
                Assert.Equal(4, events);

                // Ten small workflows and an idle wait: a server that spins would use most of a core instead.
                Assert.True(cpu < elapsed * 0.5, $"server used {cpu.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms of CPU in {elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms");
                await bad.TerminateAsync();
            });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            if (database is not null)
            {
                Directory.Delete(database, recursive: true);
            }
        }
    }

    private static TimeSpan CpuTime(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    /// <summary>Waits until the workflow's pending task is <paramref name="attempt"/> (or later) and started.</summary>
    private static async Task<Temporalio.Api.Workflow.V1.PendingWorkflowTaskInfo> WaitForAttemptAsync(WorkflowHandle handle, int attempt, TimeSpan timeout)
    {
        Temporalio.Api.Workflow.V1.PendingWorkflowTaskInfo? pending = null;
        await Eventually.TrueAsync(
            async () =>
            {
                pending = (await handle.DescribeRawAsync()).PendingWorkflowTask;
                return pending is { State: PendingWorkflowTaskState.Started } && pending.Attempt >= attempt;
            },
            timeout);
        return pending!;
    }

    private TemporalWorker NewWorker(ITemporalClient client) =>
        new(client, new TemporalWorkerOptions(_queue).AddWorkflow<NexusCallerWorkflow>().AddWorkflow<EchoWorkflow>());

    [Workflow]
    public sealed class NexusCallerWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            var nexus = Workflow.CreateNexusWorkflowClient("test-service", "no-such-endpoint");
            return await nexus.ExecuteNexusOperationAsync<string>("echo", "hi", new() { ScheduleToCloseTimeout = TimeSpan.FromMinutes(1) });
        }
    }

    [Workflow]
    public sealed class EchoWorkflow
    {
        [WorkflowRun]
        public Task<int> RunAsync(int value) => Task.FromResult(value);
    }
}
