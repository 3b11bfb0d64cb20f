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
public sealed class ActivityRetriesTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task ExecuteActivity_FailsTwiceThenSucceeds_RetriedByServerUntilSuccess()
    {
        var activities = new Activities { FailUntilAttempt = 3 };
        using var worker = NewWorker(activities);
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (RetryWorkflow wf) => wf.RunAsync(0, null),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal(3, result);
        Assert.Equal([1, 2, 3], activities.Attempts.Order());

        // Retries write no events: one Scheduled, and one Started (of the last attempt) right before Completed.
        var events = history.Events.ToList();
        Assert.Single(events, e => e.EventType == EventType.ActivityTaskScheduled);
        var started = Assert.Single(events, e => e.EventType == EventType.ActivityTaskStarted);
        Assert.DoesNotContain(events, e => e.EventType == EventType.ActivityTaskFailed);
        Assert.Equal(3, started.ActivityTaskStartedEventAttributes.Attempt);
        Assert.Equal("attempt 2 failed", started.ActivityTaskStartedEventAttributes.LastFailure.Message);
        Assert.Equal(EventType.ActivityTaskCompleted, events[events.IndexOf(started) + 1].EventType);
    }

    [Fact]
    public async Task ExecuteActivity_NonRetryableApplicationFailure_FailsAfterSingleAttempt()
    {
        var activities = new Activities { FailUntilAttempt = int.MaxValue, NonRetryable = true };
        using var worker = NewWorker(activities);
        var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
            server.Client.ExecuteWorkflowAsync(
                (RetryWorkflow wf) => wf.RunAsync(0, null),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue))));

        var activityFailure = Assert.IsType<ActivityFailureException>(failure.InnerException);
        Assert.Equal(RetryState.NonRetryableFailure, activityFailure.RetryState);
        Assert.Equal("Flaky", activityFailure.ActivityType);
        var appFailure = Assert.IsType<ApplicationFailureException>(activityFailure.InnerException);
        Assert.Equal("attempt 1 failed", appFailure.Message);
        Assert.Equal("FlakyError", appFailure.ErrorType);
        Assert.True(appFailure.NonRetryable);
        Assert.Equal([1], activities.Attempts);
    }

    [Fact]
    public async Task ExecuteActivity_MaximumAttemptsReached_FailsWithLastAttemptFailure()
    {
        var activities = new Activities { FailUntilAttempt = int.MaxValue };
        using var worker = NewWorker(activities);
        var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
            server.Client.ExecuteWorkflowAsync(
                (RetryWorkflow wf) => wf.RunAsync(3, null),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue))));

        var activityFailure = Assert.IsType<ActivityFailureException>(failure.InnerException);
        Assert.Equal(RetryState.MaximumAttemptsReached, activityFailure.RetryState);
        var appFailure = Assert.IsType<ApplicationFailureException>(activityFailure.InnerException);
        Assert.Equal("attempt 3 failed", appFailure.Message);
        Assert.False(appFailure.NonRetryable);
        Assert.Equal([1, 2, 3], activities.Attempts.Order());
    }

    [Fact]
    public async Task ExecuteActivity_ErrorTypeInNonRetryableErrorTypes_FailsAfterSingleAttempt()
    {
        var activities = new Activities { FailUntilAttempt = int.MaxValue };
        using var worker = NewWorker(activities);
        var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
            server.Client.ExecuteWorkflowAsync(
                (RetryWorkflow wf) => wf.RunAsync(0, "FlakyError"),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue))));

        var activityFailure = Assert.IsType<ActivityFailureException>(failure.InnerException);
        Assert.Equal(RetryState.NonRetryableFailure, activityFailure.RetryState);
        Assert.Equal("FlakyError", Assert.IsType<ApplicationFailureException>(activityFailure.InnerException).ErrorType);
        Assert.Equal([1], activities.Attempts);
    }

    [Fact]
    public async Task ExecuteActivity_NextRetryDelayOnFailure_OverridesBackoffAndRetries()
    {
        var activities = new Activities { FailUntilAttempt = 2, NextRetryDelay = TimeSpan.FromMilliseconds(50) };
        using var worker = NewWorker(activities);
        var result = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (RetryWorkflow wf) => wf.RunAsync(0, null),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));
        Assert.Equal(2, result);
        Assert.Equal([1, 2], activities.Attempts.Order());
    }

    [Fact]
    public async Task ExecuteActivity_RetryPolicyInitialInterval_NextAttemptWaitsForBackoff()
    {
        var activities = new Activities { FailUntilAttempt = 3 };
        using var worker = NewWorker(activities);
        await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (RetryWorkflow wf) => wf.RunAsync(0, null),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));

        // Backoff is 100 ms with coefficient 1: each retry starts no earlier than that after the failure.
        var starts = activities.StartTimes.ToArray();
        Assert.Equal(3, starts.Length);
        Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.True(
            pair.Second - pair.First >= TimeSpan.FromMilliseconds(95),
            $"retry after {(pair.Second - pair.First).TotalMilliseconds} ms"));
    }

    private TemporalWorker NewWorker(Activities activities) =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<RetryWorkflow>().AddAllActivities(activities));

    public sealed class Activities
    {
        public int FailUntilAttempt { get; init; }

        public bool NonRetryable { get; init; }

        public TimeSpan? NextRetryDelay { get; init; }

        public ConcurrentQueue<int> Attempts { get; } = new();

        public ConcurrentQueue<DateTime> StartTimes { get; } = new();

        [Activity]
        public int Flaky()
        {
            StartTimes.Enqueue(DateTime.UtcNow);
            var attempt = ActivityExecutionContext.Current.Info.Attempt;
            Attempts.Enqueue(attempt);
            if (attempt < FailUntilAttempt)
            {
                throw new ApplicationFailureException(
                    $"attempt {attempt} failed", errorType: "FlakyError", nonRetryable: NonRetryable, nextRetryDelay: NextRetryDelay);
            }

            return attempt;
        }
    }

    [Workflow]
    public sealed class RetryWorkflow
    {
        [WorkflowRun]
        public Task<int> RunAsync(int maximumAttempts, string? nonRetryableType) =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.Flaky(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromSeconds(10),
                    RetryPolicy = new RetryPolicy
                    {
                        InitialInterval = TimeSpan.FromMilliseconds(100),
                        BackoffCoefficient = 1,
                        MaximumAttempts = maximumAttempts,
                        NonRetryableErrorTypes = nonRetryableType is null ? null : [nonRetryableType],
                    },
                });
    }
}
