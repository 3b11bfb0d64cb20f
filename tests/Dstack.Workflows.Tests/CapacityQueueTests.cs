using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.TemporalServer.Hosting;
using Dstack.Workflows.Contracts;
using Dstack.Workflows.Queue;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace Dstack.Workflows.Tests;

/// <summary>
/// The capacity queue: runs that find every slot of a host taken wait in order and start when a slot frees, against the
/// embedded Temporal server with one host of fixed slots faked by activity name (<see cref="SlotHostActivities"/>).
/// </summary>
public sealed class CapacityQueueTests : IAsyncLifetime
{
    /// <summary>Well under a waiting run's own look (five minutes unless a test sets it): a run that starts this soon was woken.</summary>
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(30);

    private EmbeddedTemporalServer _server = null!;
    private TemporalClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _client = await TemporalClient.ConnectAsync(new(_server.Address) { DataConverter = DstackDataConverter.Instance });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ThreeRunsForOneSlot_StartInTheOrderTheyCame_EachWokenWhenTheSlotFrees()
    {
        var host = new SlotHostActivities(slots: 1);
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, Worker(queue, host));
        await worker.ExecuteAsync(async () =>
        {
            var (a, b, c) = await OneRunsTwoWaitAsync(host, queue);
            Assert.Equal(RunStatus.Pending, (await b.QueryAsync(wf => wf.Status)).Status);

            host.Finish("a");
            await StartedAsync(host, "b");
            await WaitingAsync(queue, "c");
            host.Finish("b");
            await StartedAsync(host, "c");
            host.Finish("c");
            var results = await Task.WhenAll(a.GetResultAsync(), b.GetResultAsync(), c.GetResultAsync());
            Assert.All(results, r => Assert.Equal(RunStatus.Done, r.Status));
            await HistoryRecorder.RecordAsync(_client, b.Id);
            await HistoryRecorder.RecordAsync(_client, CapacityQueueWorkflow.IdFor(queue));
        });

        Assert.Equal(["a", "b", "c"], host.Started);
        Assert.Equal(0, host.Taken);

        // Woken, not polling: a search at submission, one more after joining the queue (a slot freed just before the
        // join woke nobody), one when woken; a third only when the wake came while it was still looking.
        Assert.InRange(host.Searches["b"], 2, 3);
        Assert.InRange(host.Searches["c"], 2, 3);
        Assert.Contains(RunStatus.Pending, host.Statuses["c"]);
        Assert.Equal(RunStatus.Done, host.Statuses["c"].Last());
    }

    [Fact]
    public async Task StopWhileWaiting_LeavesTheQueue_AndTheNextRunGetsTheSlot()
    {
        var host = new SlotHostActivities(slots: 1);
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, Worker(queue, host));
        await worker.ExecuteAsync(async () =>
        {
            var (a, b, c) = await OneRunsTwoWaitAsync(host, queue);

            await b.SignalAsync(wf => wf.StopAsync());
            var stopped = await b.GetResultAsync();
            Assert.Equal(new RunResult(RunStatus.Stopped, null, FailureReason.StoppedByUser, "Stopped before the job started."), stopped);
            await WaitingAsync(queue, "c");

            host.Finish("a");
            await StartedAsync(host, "c");
            host.Finish("c");
            Assert.Equal(RunStatus.Done, (await c.GetResultAsync()).Status);
            Assert.Equal(RunStatus.Done, (await a.GetResultAsync()).Status);
        });

        Assert.Equal(["a", "c"], host.Started);
        Assert.Equal(0, host.Taken);
    }

    [Fact]
    public async Task SlotFreedWithoutARelease_TheQueuesOwnLookGivesItToTheFirstInLine()
    {
        var host = new SlotHostActivities(slots: 1);
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, Worker(queue, host));
        await worker.ExecuteAsync(async () =>
        {
            // The queue as the runs would start it, looking every second instead of every minute.
            await StartQueueAsync(queue, lookEvery: TimeSpan.FromSeconds(1));
            var (a, b, c) = await OneRunsTwoWaitAsync(host, queue);

            // Nobody tells the queue: only a look finds the slot, and the runs' own looks are five minutes away.
            host.FreeSilently("a");
            await StartedAsync(host, "b");
            await WaitingAsync(queue, "c");

            await FinishInTurnAsync(host, a, b, c);
            await HistoryRecorder.RecordAsync(_client, b.Id);
            await HistoryRecorder.RecordAsync(_client, CapacityQueueWorkflow.IdFor(queue));
        });

        Assert.Equal(["a", "b", "c"], host.Started);
        Assert.Equal(0, host.Taken);
    }

    [Fact]
    public async Task QueuesLook_WhileTheRunItWokeStillSearches_WakesNobodyElse()
    {
        var host = new SlotHostActivities(slots: 1);
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, Worker(queue, host));
        await worker.ExecuteAsync(async () =>
        {
            await StartQueueAsync(queue, lookEvery: TimeSpan.FromSeconds(1));
            var (a, b, c) = await OneRunsTwoWaitAsync(host, queue);

            // A look finds a's slot and wakes b, whose search of the hosts outlasts the queue's next two looks. Those
            // must not wake c: it would search too, find the same free slot and take it before b.
            var search = host.HoldSearch("b");
            host.FreeSilently("a");
            await search.Reached;
            var looks = await QueueEventsAsync(queue, e => e.TimerFiredEventAttributes is not null);
            await Eventually.TrueAsync(async () => await QueueEventsAsync(queue, e => e.TimerFiredEventAttributes is not null) >= looks + 2, Soon, "two more looks of the queue");
            Assert.Equal(0, await QueueEventsAsync(queue, e => e.SignalExternalWorkflowExecutionInitiatedEventAttributes?.WorkflowExecution.WorkflowId == "c"));

            search.Release();
            await StartedAsync(host, "b");
            await WaitingAsync(queue, "c");
            await FinishInTurnAsync(host, a, b, c);
        });

        Assert.Equal(["a", "b", "c"], host.Started);
    }

    [Fact]
    public async Task WaitingRunsOwnLook_JoinsTheQueueAgain_WithoutSearchingTheHosts()
    {
        var host = new SlotHostActivities(slots: 1);
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, Worker(queue, host));
        await worker.ExecuteAsync(async () =>
        {
            // A queue that does not look by itself within the test: any search would be the run's own.
            await StartQueueAsync(queue, lookEvery: TimeSpan.FromHours(1));
            var a = await StartAsync("a", queue);
            await StartedAsync(host, "a");
            var b = await StartAsync("b", queue, ownLookAfter: TimeSpan.FromSeconds(1));
            await WaitingAsync(queue, "b");

            // Its own looks, 1 s and 3 s after it joined, join the queue again: a search there could take a slot freed
            // for a run the queue woke.
            await Eventually.TrueAsync(async () => await JoinsAsync("b") >= 3, Soon, "b's own looks to join the queue again");
            Assert.Equal(2, host.Searches["b"]);
            await WaitingAsync(queue, "b");

            host.Finish("a");
            await StartedAsync(host, "b");
            host.Finish("b");
            Assert.Equal(RunStatus.Done, (await b.GetResultAsync()).Status);
            Assert.Equal(RunStatus.Done, (await a.GetResultAsync()).Status);
            await HistoryRecorder.RecordAsync(_client, b.Id);
        });

        Assert.Equal(["a", "b"], host.Started);
        Assert.Equal(0, host.Taken);
    }

    [Fact]
    public async Task RunThatFitsNowhere_FailsAtOnce_EvenWithRetry()
    {
        var host = new SlotHostActivities(slots: 1) { FitsNothing = true };
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, Worker(queue, host));
        var result = await worker.ExecuteAsync(async () => await (await StartAsync("big", queue)).GetResultAsync());

        Assert.Equal((RunStatus.Failed, FailureReason.NoCapacity), (result.Status, result.Reason));
        Assert.Contains("host-1 cannot run it", result.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.Searches["big"]);
        Assert.Empty(host.Started);
    }

    [Fact]
    public async Task WaitingPastRetryDuration_FailsNoCapacity_AndLeavesTheQueue()
    {
        var host = new SlotHostActivities(slots: 1);
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, Worker(queue, host));
        await worker.ExecuteAsync(async () =>
        {
            var a = await StartAsync("a", queue);
            await StartedAsync(host, "a");
            var b = await StartAsync("b", queue, TimeSpan.FromSeconds(3));
            var result = await b.GetResultAsync();
            Assert.Equal((RunStatus.Failed, FailureReason.NoCapacity), (result.Status, result.Reason));
            Assert.Contains("within retry.duration (00:00:03)", result.Message, StringComparison.Ordinal);
            await WaitingAsync(queue);
            host.Finish("a");
            Assert.Equal(RunStatus.Done, (await a.GetResultAsync()).Status);
        });
    }

    /// <summary>
    /// Starts run a, which takes the one slot, then b and c, which wait in the queue in that order, each past its search
    /// after joining: a slot freed before c's had looked was c's to take, ahead of b (a test saw it, under load).
    /// </summary>
    private async Task<(WorkflowHandle<RunWorkflow, RunResult> A, WorkflowHandle<RunWorkflow, RunResult> B, WorkflowHandle<RunWorkflow, RunResult> C)> OneRunsTwoWaitAsync(
        SlotHostActivities host, string queue)
    {
        var a = await StartAsync("a", queue);
        await StartedAsync(host, "a");
        var b = await StartAsync("b", queue);
        await WaitingAsync(queue, "b");
        await SearchedAsync(host, "b", 2);
        var c = await StartAsync("c", queue);
        await WaitingAsync(queue, "b", "c");
        await SearchedAsync(host, "c", 2);
        return (a, b, c);
    }

    /// <summary>With a and b holding the slot's turns and c waiting: a and b finish, c starts and finishes, and all three are done.</summary>
    private static async Task FinishInTurnAsync(
        SlotHostActivities host, WorkflowHandle<RunWorkflow, RunResult> a, WorkflowHandle<RunWorkflow, RunResult> b, WorkflowHandle<RunWorkflow, RunResult> c)
    {
        host.Finish("a");
        host.Finish("b");
        await StartedAsync(host, "c");
        host.Finish("c");
        var results = await Task.WhenAll(a.GetResultAsync(), b.GetResultAsync(), c.GetResultAsync());
        Assert.All(results, r => Assert.Equal(RunStatus.Done, r.Status));
    }

    private static TemporalWorkerOptions Worker(string queue, SlotHostActivities host) =>
        new TemporalWorkerOptions(queue) { MaxHeartbeatThrottleInterval = TimeSpan.FromMilliseconds(100) }
            .AddWorkflow<RunWorkflow>()
            .AddWorkflow<CapacityQueueWorkflow>()
            .AddAllActivities(host)
            .AddAllActivities(typeof(CapacityQueueActivities), null);

    private static RunSpec Spec(string name, TimeSpan retry) =>
        TestSpecs.Bash(name, "sleep 5") with { RetryOnEvents = [FailureReason.NoCapacity], RetryDuration = retry };

    private static Task StartedAsync(SlotHostActivities host, string run) =>
        Eventually.TrueAsync(() => host.Started.Contains(run), Soon, $"{run}'s job to start");

    /// <summary>Waits until <paramref name="run"/> has searched the host <paramref name="times"/> times: at submission, then after joining the queue.</summary>
    private static Task SearchedAsync(SlotHostActivities host, string run, int times) =>
        Eventually.TrueAsync(() => host.Searches.GetValueOrDefault(run) >= times, Soon, $"{run}'s search number {times}");

    private Task<WorkflowHandle<RunWorkflow, RunResult>> StartAsync(string name, string queue, TimeSpan? retry = null, TimeSpan? ownLookAfter = null) =>
        _client.StartWorkflowAsync(
            (RunWorkflow wf) => wf.RunAsync(new RunWorkflowInput(Spec(name, retry ?? TimeSpan.FromHours(1)), 1, null, ownLookAfter)),
            new WorkflowOptions(name, queue));

    /// <summary>Starts the task queue's capacity queue before any run does, with its own look every <paramref name="lookEvery"/>.</summary>
    private async Task StartQueueAsync(string queue, TimeSpan lookEvery)
    {
        var input = CapacityQueueInput.Empty with { LookEvery = lookEvery };
        await _client.StartWorkflowAsync((CapacityQueueWorkflow wf) => wf.RunAsync(input), new WorkflowOptions(CapacityQueueWorkflow.IdFor(queue), queue));
    }

    /// <summary>How many times the run joined the capacity queue (JoinQueue activities scheduled in its history).</summary>
    /// <summary>Counts the events of the queue's history (its current execution) that <paramref name="match"/>.</summary>
    private async Task<int> QueueEventsAsync(string queue, Func<Temporalio.Api.History.V1.HistoryEvent, bool> match)
    {
        var history = await _client.GetWorkflowHandle(CapacityQueueWorkflow.IdFor(queue)).FetchHistoryAsync();
        return history.Events.Count(match);
    }

    private async Task<int> JoinsAsync(string run)
    {
        var history = await _client.GetWorkflowHandle(run).FetchHistoryAsync();
        return history.Events.Count(e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == "JoinQueue");
    }

    /// <summary>Waits until the queue lists exactly <paramref name="runs"/>, in that order.</summary>
    private Task WaitingAsync(string queue, params string[] runs) =>
        Eventually.TrueAsync(
            async () => (await WaitingRunsAsync(queue)).SequenceEqual(runs),
            Soon,
            $"the queue to list [{string.Join(", ", runs)}]");

    private async Task<IReadOnlyList<string>> WaitingRunsAsync(string queue)
    {
        try
        {
            var waiting = await _client.GetWorkflowHandle(CapacityQueueWorkflow.IdFor(queue)).QueryAsync<IReadOnlyList<QueuedRun>>(CapacityQueueWorkflow.WaitingQuery, []);
            return [.. waiting.Select(r => r.RunId)];
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return [];
        }
    }
}
