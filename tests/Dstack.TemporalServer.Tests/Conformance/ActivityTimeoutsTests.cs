using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class ActivityTimeoutsTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task StartToCloseTimeout_FirstAttemptHangs_RetriedAndSucceeds()
    {
        var activities = new Activities { HangUntilAttempt = 2 };
        using var worker = NewWorker(activities);
        try
        {
            var (result, history) = await worker.ExecuteAsync(async () =>
            {
                var h = await server.Client.StartWorkflowAsync(
                    (TimeoutWorkflow wf) => wf.RunAsync(new TimeoutOptions(StartToCloseMs: 1000, ScheduleToCloseMs: 0, MaximumAttempts: 0)),
                    new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
                return (await h.GetResultAsync(), await h.FetchHistoryAsync());
            });

            Assert.Equal(2, result);
            var started = Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskStarted);
            Assert.Equal(2, started.ActivityTaskStartedEventAttributes.Attempt);
            var lastFailure = started.ActivityTaskStartedEventAttributes.LastFailure;
            Assert.Equal(TimeoutType.StartToClose, lastFailure.TimeoutFailureInfo.TimeoutType);
            Assert.DoesNotContain(history.Events, e => e.EventType == EventType.ActivityTaskTimedOut);
        }
        finally
        {
            activities.Release.TrySetResult();
        }
    }

    [Fact]
    public async Task StartToCloseTimeout_SingleAttempt_WorkflowSeesStartToCloseTimeoutFailure()
    {
        var activities = new Activities { HangUntilAttempt = int.MaxValue };
        using var worker = NewWorker(activities);
        try
        {
            var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
                server.Client.ExecuteWorkflowAsync(
                    (TimeoutWorkflow wf) => wf.RunAsync(new TimeoutOptions(StartToCloseMs: 500, ScheduleToCloseMs: 0, MaximumAttempts: 1)),
                    new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue))));

            var activityFailure = Assert.IsType<ActivityFailureException>(failure.InnerException);
            Assert.Equal(RetryState.MaximumAttemptsReached, activityFailure.RetryState);
            var timeout = Assert.IsType<TimeoutFailureException>(activityFailure.InnerException);
            Assert.Equal(TimeoutType.StartToClose, timeout.TimeoutType);
            Assert.Equal([1], activities.Attempts);
        }
        finally
        {
            activities.Release.TrySetResult();
        }
    }

    [Fact]
    public async Task ScheduleToCloseTimeout_ActivityKeepsHanging_WorkflowSeesScheduleToCloseTimeout()
    {
        var activities = new Activities { HangUntilAttempt = int.MaxValue };
        using var worker = NewWorker(activities);
        try
        {
            var (failure, history) = await worker.ExecuteAsync(async () =>
            {
                var h = await server.Client.StartWorkflowAsync(
                    (TimeoutWorkflow wf) => wf.RunAsync(new TimeoutOptions(StartToCloseMs: 0, ScheduleToCloseMs: 1000, MaximumAttempts: 0)),
                    new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
                var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => h.GetResultAsync());
                return (ex, await h.FetchHistoryAsync());
            });

            var activityFailure = Assert.IsType<ActivityFailureException>(failure.InnerException);
            Assert.Equal(RetryState.Timeout, activityFailure.RetryState);
            var timeout = Assert.IsType<TimeoutFailureException>(activityFailure.InnerException);
            Assert.Equal(TimeoutType.ScheduleToClose, timeout.TimeoutType);

            var timedOut = Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskTimedOut);
            Assert.Equal(TimeoutType.ScheduleToClose, timedOut.ActivityTaskTimedOutEventAttributes.Failure.TimeoutFailureInfo.TimeoutType);

            // Schedule-to-close fills in the start-to-close timeout.
            var scheduled = Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskScheduled);
            Assert.Equal(TimeSpan.FromSeconds(1), scheduled.ActivityTaskScheduledEventAttributes.StartToCloseTimeout.ToTimeSpan());
        }
        finally
        {
            activities.Release.TrySetResult();
        }
    }

    [Fact]
    public async Task ScheduleToStartTimeout_NoWorkerOnActivityQueue_WorkflowSeesScheduleToStartTimeout()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
            server.Client.ExecuteWorkflowAsync(
                (UnpolledQueueWorkflow wf) => wf.RunAsync($"nobody-{Guid.NewGuid()}"),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue))));

        var activityFailure = Assert.IsType<ActivityFailureException>(failure.InnerException);
        var timeout = Assert.IsType<TimeoutFailureException>(activityFailure.InnerException);
        Assert.Equal(TimeoutType.ScheduleToStart, timeout.TimeoutType);
        Assert.Empty(activities.Attempts);
    }

    private TemporalWorker NewWorker(Activities activities) =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<TimeoutWorkflow>()
            .AddWorkflow<UnpolledQueueWorkflow>()
            .AddAllActivities(activities));

    public sealed record TimeoutOptions(int StartToCloseMs, int ScheduleToCloseMs, int MaximumAttempts);

    public sealed class Activities
    {
        public int HangUntilAttempt { get; init; }

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<int> Attempts { get; } = new();

        [Activity]
        public async Task<int> MaybeHangAsync()
        {
            var attempt = ActivityExecutionContext.Current.Info.Attempt;
            Attempts.Enqueue(attempt);
            if (attempt < HangUntilAttempt)
            {
                // Never heartbeats: only the server's timers can end this attempt.
                await Release.Task.WaitAsync(ActivityExecutionContext.Current.CancellationToken);
            }

            return attempt;
        }
    }

    [Workflow]
    public sealed class TimeoutWorkflow
    {
        [WorkflowRun]
        public Task<int> RunAsync(TimeoutOptions options) =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.MaybeHangAsync(),
                new()
                {
                    StartToCloseTimeout = options.StartToCloseMs > 0 ? TimeSpan.FromMilliseconds(options.StartToCloseMs) : null,
                    ScheduleToCloseTimeout = options.ScheduleToCloseMs > 0 ? TimeSpan.FromMilliseconds(options.ScheduleToCloseMs) : null,
                    RetryPolicy = new RetryPolicy
                    {
                        InitialInterval = TimeSpan.FromMilliseconds(100),
                        BackoffCoefficient = 1,
                        MaximumAttempts = options.MaximumAttempts,
                    },
                });
    }

    [Workflow]
    public sealed class UnpolledQueueWorkflow
    {
        [WorkflowRun]
        public Task<int> RunAsync(string activityQueue) =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.MaybeHangAsync(),
                new()
                {
                    TaskQueue = activityQueue,
                    ScheduleToStartTimeout = TimeSpan.FromMilliseconds(300),
                    StartToCloseTimeout = TimeSpan.FromSeconds(10),
                });
    }
}
