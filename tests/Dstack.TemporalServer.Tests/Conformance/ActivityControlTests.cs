using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>
/// PauseActivity, UnpauseActivity and ResetActivity. The activity side is a raw worker (polls and responses through the
/// WorkflowService), so each test decides exactly when an attempt starts, heartbeats and fails.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ActivityControlTests(ServerFixture server)
{
    private const string ActivityId = "work-1";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _queue = $"tq-{Guid.NewGuid()}";
    private readonly string _activityQueue = $"tq-act-{Guid.NewGuid()}";

    private WorkflowService Service => server.Client.Connection.WorkflowService;

    [Fact]
    public async Task PauseActivity_Scheduled_NotDispatchedUntilUnpaused()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            await PendingAsync(handle);
            await Service.PauseActivityAsync(new PauseActivityRequest
            {
                Namespace = ServerFixture.Namespace,
                Execution = Execution(handle),
                Id = ActivityId,
                Identity = "operator",
                Reason = "maintenance",
            });

            var paused = await PendingAsync(handle);
            Assert.Equal(PendingActivityState.Paused, paused.State);
            Assert.True(paused.Paused);
            Assert.Equal("operator", paused.PauseInfo.Manual.Identity);
            Assert.Equal("maintenance", paused.PauseInfo.Manual.Reason);
            Assert.Null(await PollActivityAsync(TimeSpan.FromSeconds(3)));

            await Service.UnpauseActivityAsync(new UnpauseActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle), Type = "Work" });
            await FinishAsync(handle, expectedAttempt: 1);
        });
    }

    [Fact]
    public async Task PauseActivity_Running_HeartbeatAnswersPausedAndNextAttemptWaitsForUnpause()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var first = await PollActivityAsync(Deadline);
            Assert.NotNull(first);
            await PauseAsync(handle);

            var beat = await Service.RecordActivityTaskHeartbeatAsync(new RecordActivityTaskHeartbeatRequest { Namespace = ServerFixture.Namespace, TaskToken = first.TaskToken });
            Assert.True(beat.ActivityPaused);
            Assert.False(beat.CancelRequested);
            Assert.Equal(PendingActivityState.PauseRequested, (await PendingAsync(handle)).State);

            // What the SDK does with a paused activity: it cancels it and reports the attempt failed.
            await FailAsync(first, "paused");
            var waiting = await PendingAsync(handle);
            Assert.Equal(PendingActivityState.Paused, waiting.State);
            Assert.Equal(2, waiting.Attempt);
            Assert.Null(await PollActivityAsync(TimeSpan.FromSeconds(3)));

            await Service.UnpauseActivityAsync(new UnpauseActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle), Id = ActivityId });
            await FinishAsync(handle, expectedAttempt: 2);
        });
    }

    [Fact]
    public async Task ResetActivity_WaitingOutBackoff_DispatchedAtOnceAsAttemptOne()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var first = await PollActivityAsync(Deadline);
            Assert.NotNull(first);
            await FailAsync(first, "boom");
            var backingOff = await PendingAsync(handle);
            Assert.Equal(2, backingOff.Attempt);
            Assert.NotNull(backingOff.NextAttemptScheduleTime);

            await Service.ResetActivityAsync(new ResetActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle), Id = ActivityId });

            // The retry policy's backoff is a minute; the reset attempt comes at once.
            await FinishAsync(handle, expectedAttempt: 1);
        });
    }

    [Fact]
    public async Task ResetActivity_PausedKeepPaused_AttemptOneAndStillPaused()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var first = await PollActivityAsync(Deadline);
            Assert.NotNull(first);
            await PauseAsync(handle);
            await FailAsync(first, "paused");

            await Service.ResetActivityAsync(new ResetActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle), Id = ActivityId, KeepPaused = true });
            var pending = await PendingAsync(handle);
            Assert.Equal(PendingActivityState.Paused, pending.State);
            Assert.Equal(1, pending.Attempt);

            await Service.ResetActivityAsync(new ResetActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle), MatchAll = true });
            await FinishAsync(handle, expectedAttempt: 1);
        });
    }

    [Fact]
    public async Task PauseActivity_BadRequests_AnswerAsRealTemporal()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            await PendingAsync(handle);

            var noActivity = await Assert.ThrowsAsync<RpcException>(() => Service.PauseActivityAsync(new PauseActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle) }));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, noActivity.Code);

            var unknown = await Assert.ThrowsAsync<RpcException>(() => Service.PauseActivityAsync(new PauseActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle), Id = "no-such-activity" }));
            Assert.Equal(RpcException.StatusCode.NotFound, unknown.Code);

            await PauseAsync(handle, "r1");
            await PauseAsync(handle, "r1");
            var twice = await Assert.ThrowsAsync<RpcException>(() => PauseAsync(handle, "r2"));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, twice.Code);

            await handle.TerminateAsync();
            var closed = await Assert.ThrowsAsync<RpcException>(() => Service.UnpauseActivityAsync(new UnpauseActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle), Id = ActivityId }));
            Assert.Equal(RpcException.StatusCode.NotFound, closed.Code);
        });
    }

    private static Temporalio.Api.Common.V1.WorkflowExecution Execution(WorkflowHandle handle) => new() { WorkflowId = handle.Id, RunId = handle.RunId ?? string.Empty };

    private async Task<WorkflowHandle> StartAsync() =>
        await server.Client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(_activityQueue), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));

    /// <summary>Waits for the activity to be scheduled and returns how describe reports it.</summary>
    private static async Task<PendingActivityInfo> PendingAsync(WorkflowHandle handle)
    {
        PendingActivityInfo? pending = null;
        await Eventually.TrueAsync(
            async () => (pending = (await handle.DescribeRawAsync()).PendingActivities.SingleOrDefault()) is not null,
            Deadline);
        return pending!;
    }

    /// <summary>One long poll of the activity queue; null when no task came before the deadline.</summary>
    private async Task<PollActivityTaskQueueResponse?> PollActivityAsync(TimeSpan deadline)
    {
        try
        {
            var task = await Service.PollActivityTaskQueueAsync(
                new PollActivityTaskQueueRequest { Namespace = ServerFixture.Namespace, TaskQueue = new TaskQueue { Name = _activityQueue }, Identity = "raw-activity-worker" },
                new() { Timeout = deadline });
            return task.TaskToken.IsEmpty ? null : task;
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.DeadlineExceeded)
        {
            return null;
        }
    }

    private async Task PauseAsync(WorkflowHandle handle, string requestId = "") =>
        await Service.PauseActivityAsync(new PauseActivityRequest { Namespace = ServerFixture.Namespace, Execution = Execution(handle), Id = ActivityId, RequestId = requestId });

    private async Task FailAsync(PollActivityTaskQueueResponse task, string message) =>
        await Service.RespondActivityTaskFailedAsync(new RespondActivityTaskFailedRequest
        {
            Namespace = ServerFixture.Namespace,
            TaskToken = task.TaskToken,
            Failure = new() { Message = message, ApplicationFailureInfo = new() },
        });

    /// <summary>Takes the next attempt (it must come within 10 s: no retry backoff of a minute), completes it and the workflow.</summary>
    private async Task FinishAsync(WorkflowHandle handle, int expectedAttempt)
    {
        var task = await PollActivityAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(task);
        Assert.Equal(expectedAttempt, task.Attempt);
        await Service.RespondActivityTaskCompletedAsync(new RespondActivityTaskCompletedRequest
        {
            Namespace = ServerFixture.Namespace,
            TaskToken = task.TaskToken,
            Result = new Payloads { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload("done") } },
        });
        Assert.Equal("done", await handle.GetResultAsync<string>());
    }

    private TemporalWorker NewWorker() => new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<ActivityWorkflow>());

    [Workflow]
    public sealed class ActivityWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(string activityQueue) =>
            Workflow.ExecuteActivityAsync<string>(
                "Work",
                [],
                new()
                {
                    ActivityId = ActivityId,
                    TaskQueue = activityQueue,
                    StartToCloseTimeout = TimeSpan.FromMinutes(1),
                    RetryPolicy = new() { InitialInterval = TimeSpan.FromMinutes(1) },
                });
    }
}
