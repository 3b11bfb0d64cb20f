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
public sealed class DescribeTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task Describe_PendingActivityOnSecondAttempt_ShowsAttemptHeartbeatDetailsAndLastFailure()
    {
        var activities = new Activities();
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<ActivityWorkflow>()
            .AddAllActivities(activities));
        try
        {
            await worker.ExecuteAsync(async () =>
            {
                var h = await server.Client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
                await activities.Heartbeated.Task.WaitAsync(TimeSpan.FromSeconds(10));
                var converter = server.Client.Options.DataConverter.PayloadConverter;
                Temporalio.Api.Workflow.V1.PendingActivityInfo? pending = null;
                await Eventually.TrueAsync(
                    async () =>
                    {
                        pending = (await h.DescribeRawAsync()).PendingActivities.SingleOrDefault();
                        return pending?.HeartbeatDetails?.Payloads_.Count == 1;
                    },
                    TimeSpan.FromSeconds(5));

                Assert.NotNull(pending);
                Assert.Equal(2, pending.Attempt);
                Assert.Equal(PendingActivityState.Started, pending.State);
                Assert.Equal("Work", pending.ActivityType.Name);
                Assert.Equal("hb-2", converter.ToValue<string>(pending.HeartbeatDetails.Payloads_[0]));
                Assert.Equal("first attempt fails", pending.LastFailure.Message);
                Assert.NotNull(pending.LastHeartbeatTime);
                Assert.NotNull(pending.LastStartedTime);

                activities.Release.TrySetResult();
                Assert.Equal("done on attempt 2", await h.GetResultAsync());
                Assert.Empty((await h.DescribeRawAsync()).PendingActivities);
            });
        }
        finally
        {
            activities.Release.TrySetResult();
        }
    }

    [Fact]
    public async Task Describe_ActivityInRetryBackoff_ShowsScheduledStateNextAttemptAndLastFailure()
    {
        var activities = new Activities();
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<LongBackoffWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((LongBackoffWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            Temporalio.Api.Workflow.V1.PendingActivityInfo? pending = null;
            await Eventually.TrueAsync(
                async () =>
                {
                    pending = (await h.DescribeRawAsync()).PendingActivities.SingleOrDefault();
                    return pending?.Attempt == 2;
                },
                TimeSpan.FromSeconds(5));

            Assert.NotNull(pending);
            Assert.Equal(PendingActivityState.Scheduled, pending.State);
            Assert.Equal("first attempt fails", pending.LastFailure.Message);
            Assert.NotNull(pending.NextAttemptScheduleTime);
            Assert.True(pending.NextAttemptScheduleTime.ToDateTime() > DateTime.UtcNow + TimeSpan.FromMinutes(50));

            // A retry in backoff writes no event: only Scheduled is in history.
            var history = await h.FetchHistoryAsync();
            Assert.DoesNotContain(history.Events, e => e.EventType is EventType.ActivityTaskStarted or EventType.ActivityTaskFailed);
            await h.TerminateAsync();
        });
    }

    [Fact]
    public async Task Describe_NoWorker_ShowsScheduledWorkflowTaskAndRunningStatus()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var h = await server.Client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, _queue));
        var description = await h.DescribeAsync();
        var raw = await h.DescribeRawAsync();

        Assert.Equal(WorkflowExecutionStatus.Running, description.Status);
        Assert.Equal(id, description.Id);
        Assert.Equal(h.ResultRunId, description.RunId);
        Assert.Equal(nameof(ActivityWorkflow), description.WorkflowType);
        Assert.Equal(_queue, description.TaskQueue);
        Assert.Null(description.CloseTime);
        Assert.Equal(2, description.HistoryLength);
        var wft = raw.PendingWorkflowTask;
        Assert.NotNull(wft);
        Assert.Equal(PendingWorkflowTaskState.Scheduled, wft.State);
        Assert.Equal(1, wft.Attempt);
        Assert.Empty(raw.PendingActivities);
        await h.TerminateAsync();
    }

    [Fact]
    public async Task Describe_CompletedWorkflow_ShowsStatusCloseTimeAndHistoryLength()
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<QuickWorkflow>());
        var (description, raw, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((QuickWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.GetResultAsync();
            return (await h.DescribeAsync(), await h.DescribeRawAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal(WorkflowExecutionStatus.Completed, description.Status);
        Assert.NotNull(description.CloseTime);
        Assert.True(description.CloseTime >= description.StartTime);
        Assert.Equal(history.Events.Count, description.HistoryLength);
        Assert.Null(raw.PendingWorkflowTask);
        Assert.Equal(TimeSpan.FromSeconds(10), raw.ExecutionConfig.DefaultWorkflowTaskTimeout.ToTimeSpan());
    }

    public sealed class Activities
    {
        public TaskCompletionSource Heartbeated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [Activity]
        public async Task<string> WorkAsync()
        {
            var context = ActivityExecutionContext.Current;
            if (context.Info.Attempt == 1)
            {
                throw new ApplicationFailureException("first attempt fails");
            }

            context.Heartbeat($"hb-{context.Info.Attempt}");
            Heartbeated.TrySetResult();
            await Release.Task.WaitAsync(context.CancellationToken);
            return $"done on attempt {context.Info.Attempt}";
        }
    }

    [Workflow]
    public sealed class ActivityWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync() =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.WorkAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromSeconds(30),
                    RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(100) },
                });
    }

    [Workflow]
    public sealed class LongBackoffWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync() =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.WorkAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromSeconds(30),
                    RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromHours(1) },
                });
    }

    [Workflow]
    public sealed class QuickWorkflow
    {
        [WorkflowRun]
        public Task RunAsync() => Task.CompletedTask;
    }
}
