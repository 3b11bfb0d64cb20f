using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class ActivityCancellationTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task CancelActivity_RunningAndHeartbeating_ActivitySeesCancelAndWorkflowSeesCanceledFailure()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CancelActivityWorkflow wf) => wf.RunAsync(string.Empty),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await activities.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await h.SignalAsync(wf => wf.CancelActivityAsync());
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal("ActivityFailureException/CanceledFailureException", result);
        Assert.Equal(ActivityCancelReason.CancelRequested, await activities.Canceled.Task.WaitAsync(TimeSpan.FromSeconds(1)));

        var types = history.Events.Select(e => e.EventType).ToList();
        var requested = types.IndexOf(EventType.ActivityTaskCancelRequested);
        var started = types.IndexOf(EventType.ActivityTaskStarted);
        var canceled = types.IndexOf(EventType.ActivityTaskCanceled);
        Assert.True(requested > 0, "ActivityTaskCancelRequested missing");
        Assert.True(started > requested, "the lazily written ActivityTaskStarted precedes ActivityTaskCanceled");
        Assert.Equal(started + 1, canceled);
        var canceledEvent = history.Events.ElementAt(canceled).ActivityTaskCanceledEventAttributes;
        Assert.Equal(history.Events.ElementAt(requested).EventId, canceledEvent.LatestCancelRequestedEventId);
        Assert.Equal(history.Events.ElementAt(started).EventId, canceledEvent.StartedEventId);
    }

    [Fact]
    public async Task CancelActivity_NotYetStarted_CanceledAtOnceWithoutStartedEvent()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CancelActivityWorkflow wf) => wf.RunAsync($"nobody-{Guid.NewGuid()}"),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));

            // The activity sits on a queue nobody polls; cancel once it is scheduled.
            await Eventually.TrueAsync(async () => (await h.DescribeRawAsync()).PendingActivities.Count == 1, TimeSpan.FromSeconds(10));
            await h.SignalAsync(wf => wf.CancelActivityAsync());
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal("ActivityFailureException/CanceledFailureException", result);
        var types = history.Events.Select(e => e.EventType).ToList();
        Assert.DoesNotContain(EventType.ActivityTaskStarted, types);
        var requested = types.IndexOf(EventType.ActivityTaskCancelRequested);
        Assert.True(requested > 0);
        Assert.Equal(EventType.ActivityTaskCanceled, types[requested + 1]);
        Assert.False(activities.Started.Task.IsCompleted);
    }

    /// <summary>
    /// The SDK sends heartbeats at most every 80% of the heartbeat timeout unless told a shorter interval. With a 1 s
    /// timeout that left 200 ms of slack, and a loaded CI machine timed the attempt out before the cancellation reached
    /// it (TimeoutFailure instead of CanceledFailure, as real Temporal answers then too). Now the timeout is generous and
    /// heartbeats still go every 200 ms, so the cancellation reaches the activity as fast as before.
    /// </summary>
    private TemporalWorker NewWorker(Activities activities) =>
        new(server.Client, new TemporalWorkerOptions(_queue) { MaxHeartbeatThrottleInterval = TimeSpan.FromMilliseconds(200) }
            .AddWorkflow<CancelActivityWorkflow>()
            .AddAllActivities(activities));

    public sealed class Activities
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<ActivityCancelReason> Canceled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [Activity]
        public async Task HeartbeatUntilCanceledAsync()
        {
            var context = ActivityExecutionContext.Current;
            Started.TrySetResult();
            try
            {
                while (true)
                {
                    context.Heartbeat();
                    await Task.Delay(50, context.CancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                Canceled.TrySetResult(context.CancelReason);
                throw;
            }
        }
    }

    [Workflow]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Workflow instances are never disposed; the source holds no timer.")]
    public sealed class CancelActivityWorkflow
    {
        private readonly CancellationTokenSource _cancel = new();

        [WorkflowRun]
        public async Task<string> RunAsync(string activityQueue)
        {
            try
            {
                await Workflow.ExecuteActivityAsync(
                    (Activities a) => a.HeartbeatUntilCanceledAsync(),
                    new()
                    {
                        TaskQueue = string.IsNullOrEmpty(activityQueue) ? null : activityQueue,
                        StartToCloseTimeout = TimeSpan.FromSeconds(30),
                        HeartbeatTimeout = TimeSpan.FromSeconds(20),
                        CancellationToken = _cancel.Token,
                        CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(100) },
                    });
                return "completed";
            }
            catch (ActivityFailureException e)
            {
                return $"{e.GetType().Name}/{e.InnerException?.GetType().Name}";
            }
        }

        [WorkflowSignal]
        public Task CancelActivityAsync()
        {
            _cancel.Cancel();
            return Task.CompletedTask;
        }
    }
}
