using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class HeartbeatsTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task HeartbeatTimeout_AttemptStopsHeartbeating_NextAttemptGetsLastHeartbeatDetails()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        try
        {
            var (result, history) = await worker.ExecuteAsync(async () =>
            {
                var h = await server.Client.StartWorkflowAsync(
                    (HeartbeatWorkflow wf) => wf.RunAsync(0),
                    new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
                return (await h.GetResultAsync(), await h.FetchHistoryAsync());
            });

            Assert.Equal("attempt 2 resumed from progress-1", result);
            var started = Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskStarted);
            Assert.Equal(2, started.ActivityTaskStartedEventAttributes.Attempt);
            Assert.Equal(TimeoutType.Heartbeat, started.ActivityTaskStartedEventAttributes.LastFailure.TimeoutFailureInfo.TimeoutType);
        }
        finally
        {
            activities.Release.TrySetResult();
        }
    }

    [Fact]
    public async Task HeartbeatTimeout_NoRetriesLeft_TimeoutFailureCarriesLastHeartbeatDetails()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        try
        {
            var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
                server.Client.ExecuteWorkflowAsync(
                    (HeartbeatWorkflow wf) => wf.RunAsync(1),
                    new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue))));

            var activityFailure = Assert.IsType<ActivityFailureException>(failure.InnerException);
            Assert.Equal(RetryState.MaximumAttemptsReached, activityFailure.RetryState);
            var timeout = Assert.IsType<TimeoutFailureException>(activityFailure.InnerException);
            Assert.Equal(TimeoutType.Heartbeat, timeout.TimeoutType);
            var details = Assert.Single(timeout.Failure!.TimeoutFailureInfo.LastHeartbeatDetails.Payloads_);
            Assert.Equal("progress-1", server.Client.Options.DataConverter.PayloadConverter.ToValue<string>(details));
        }
        finally
        {
            activities.Release.TrySetResult();
        }
    }

    /// <summary>
    /// The SDK sends a heartbeat at most every 80% of the heartbeat timeout, so only the last 20% is slack for the
    /// round trip; with 1 s (200 ms of slack) a loaded CI machine timed the attempt out once on SQLite.
    /// </summary>
    private static readonly TimeSpan SteadyHeartbeatTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Heartbeat_RegularlyWithinTimeout_KeepsAttemptAlive()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        var result = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (SteadyHeartbeatWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));

        // Runs 1.5 heartbeat timeouts, heartbeating: the first attempt must succeed.
        Assert.Equal(1, result);
    }

    private TemporalWorker NewWorker(Activities activities) =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<HeartbeatWorkflow>()
            .AddWorkflow<SteadyHeartbeatWorkflow>()
            .AddAllActivities(activities));

    public sealed class Activities
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<int> Attempts { get; } = new();

        [Activity]
        public async Task<string> HeartbeatOnceThenHangAsync()
        {
            var context = ActivityExecutionContext.Current;
            var attempt = context.Info.Attempt;
            Attempts.Enqueue(attempt);
            if (attempt == 1)
            {
                Assert.Empty(context.Info.HeartbeatDetails);
                context.Heartbeat($"progress-{attempt}");
                await Release.Task.WaitAsync(context.CancellationToken);
                return "released";
            }

            var details = await context.Info.HeartbeatDetailAtAsync<string>(0);
            return $"attempt {attempt} resumed from {details}";
        }

        [Activity]
        public async Task<int> SteadyHeartbeatAsync()
        {
            var context = ActivityExecutionContext.Current;
            var end = DateTime.UtcNow + (SteadyHeartbeatTimeout * 1.5);
            while (DateTime.UtcNow < end)
            {
                context.Heartbeat(DateTime.UtcNow.Ticks);
                await Task.Delay(100, context.CancellationToken);
            }

            return context.Info.Attempt;
        }
    }

    [Workflow]
    public sealed class HeartbeatWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(int maximumAttempts) =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.HeartbeatOnceThenHangAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromSeconds(30),
                    HeartbeatTimeout = TimeSpan.FromSeconds(1),
                    RetryPolicy = new RetryPolicy
                    {
                        InitialInterval = TimeSpan.FromMilliseconds(100),
                        MaximumAttempts = maximumAttempts,
                    },
                });
    }

    [Workflow]
    public sealed class SteadyHeartbeatWorkflow
    {
        [WorkflowRun]
        public Task<int> RunAsync() =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.SteadyHeartbeatAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromSeconds(30),
                    HeartbeatTimeout = SteadyHeartbeatTimeout,
                    RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 1 },
                });
    }
}
