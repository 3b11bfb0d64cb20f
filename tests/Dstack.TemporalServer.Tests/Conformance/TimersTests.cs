using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class TimersTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task DelayAsync_100Milliseconds_FiresAndWritesTimerEvents()
    {
        using var worker = NewWorker();
        var (elapsed, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (DelayWorkflow wf) => wf.RunAsync(100),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        // Workflow time comes from WorkflowTaskStarted event times: the timer must not fire early.
        Assert.True(elapsed >= 100, $"elapsed {elapsed} ms");
        var started = Assert.Single(history.Events, e => e.EventType == EventType.TimerStarted);
        var fired = Assert.Single(history.Events, e => e.EventType == EventType.TimerFired);
        Assert.Equal(TimeSpan.FromMilliseconds(100), started.TimerStartedEventAttributes.StartToFireTimeout.ToTimeSpan());
        Assert.Equal(started.TimerStartedEventAttributes.TimerId, fired.TimerFiredEventAttributes.TimerId);
        Assert.Equal(started.EventId, fired.TimerFiredEventAttributes.StartedEventId);
        var firedAfter = fired.EventTime.ToDateTime() - started.EventTime.ToDateTime();
        Assert.True(firedAfter >= TimeSpan.FromMilliseconds(100), $"fired after {firedAfter.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task DelayAsync_CanceledByToken_TimerCanceledAndWorkflowContinues()
    {
        using var worker = NewWorker();
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CancelTimerWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal("long timer canceled", result);
        var types = history.Events.Select(e => e.EventType).ToList();
        Assert.Equal(2, types.Count(t => t == EventType.TimerStarted));
        Assert.Single(types, t => t == EventType.TimerFired);
        var canceled = Assert.Single(history.Events, e => e.EventType == EventType.TimerCanceled);
        var longTimer = history.Events.First(e => e.EventType == EventType.TimerStarted
            && e.TimerStartedEventAttributes.StartToFireTimeout.ToTimeSpan() == TimeSpan.FromHours(1));
        Assert.Equal(longTimer.TimerStartedEventAttributes.TimerId, canceled.TimerCanceledEventAttributes.TimerId);
        Assert.Equal(longTimer.EventId, canceled.TimerCanceledEventAttributes.StartedEventId);
    }

    [Fact]
    public async Task DelayAsync_SeveralTimers_FireInDurationOrder()
    {
        using var worker = NewWorker();
        var result = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (TimerOrderWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));
        Assert.Equal([50, 150, 300], result);
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<DelayWorkflow>()
            .AddWorkflow<CancelTimerWorkflow>()
            .AddWorkflow<TimerOrderWorkflow>());

    [Workflow]
    public sealed class DelayWorkflow
    {
        [WorkflowRun]
        public async Task<double> RunAsync(int milliseconds)
        {
            var start = Workflow.UtcNow;
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(milliseconds));
            return (Workflow.UtcNow - start).TotalMilliseconds;
        }
    }

    [Workflow]
    public sealed class CancelTimerWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            using var cancel = new CancellationTokenSource();
            var longTimer = Workflow.DelayAsync(TimeSpan.FromHours(1), cancel.Token);
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(50));
            cancel.Cancel();
            try
            {
                await longTimer;
                return "long timer fired";
            }
            catch (TaskCanceledException)
            {
                return "long timer canceled";
            }
        }
    }

    [Workflow]
    public sealed class TimerOrderWorkflow
    {
        [WorkflowRun]
        public async Task<List<int>> RunAsync()
        {
            var fired = new List<int>();
            await Workflow.WhenAllAsync(new[] { 300, 50, 150 }.Select(async ms =>
            {
                await Workflow.DelayAsync(TimeSpan.FromMilliseconds(ms));
                fired.Add(ms);
            }));
            return fired;
        }
    }
}
