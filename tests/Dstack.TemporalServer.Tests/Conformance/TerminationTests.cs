using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class TerminationTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task TerminateAsync_DuringActivity_WorkflowTerminatedAndActivityHeartbeatSeesGoneFromServer()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        var (failure, description, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (ActivityWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await activities.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await h.TerminateAsync("stop it");
            var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => h.GetResultAsync());

            // The activity learns from its next heartbeat (NotFound) that its workflow is gone.
            Assert.Equal(ActivityCancelReason.GoneFromServer, await activities.Canceled.Task.WaitAsync(TimeSpan.FromSeconds(10)));
            return (ex, await h.DescribeAsync(), await h.FetchHistoryAsync());
        });

        var terminated = Assert.IsType<TerminatedFailureException>(failure.InnerException);
        Assert.Equal("stop it", terminated.Message);
        Assert.Equal(WorkflowExecutionStatus.Terminated, description.Status);
        var last = history.Events.Last();
        Assert.Equal(EventType.WorkflowExecutionTerminated, last.EventType);
        Assert.Equal("stop it", last.WorkflowExecutionTerminatedEventAttributes.Reason);
    }

    [Fact]
    public async Task TerminateAsync_WithDetails_RecordedOnTerminatedEvent()
    {
        var h = await server.Client.StartWorkflowAsync(
            (ActivityWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
        await h.TerminateAsync("with details", new() { Details = ["d1", 2] });

        var last = (await h.FetchHistoryAsync()).Events.Last();
        Assert.Equal(EventType.WorkflowExecutionTerminated, last.EventType);
        var details = last.WorkflowExecutionTerminatedEventAttributes.Details.Payloads_;
        var converter = server.Client.Options.DataConverter.PayloadConverter;
        Assert.Equal("d1", converter.ToValue<string>(details[0]));
        Assert.Equal(2, converter.ToValue<int>(details[1]));
    }

    [Fact]
    public async Task TerminateAsync_AlreadyTerminated_ThrowsNotFound()
    {
        var h = await server.Client.StartWorkflowAsync(
            (ActivityWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
        await h.TerminateAsync("first");
        var ex = await Assert.ThrowsAsync<RpcException>(() => h.TerminateAsync("second"));
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
    }

    /// <summary>
    /// Heartbeats every 200 ms against a generous heartbeat timeout: with the SDK's default (80% of a 1 s timeout) a
    /// loaded machine could time the attempt out first, and the activity would see TimedOut instead of GoneFromServer.
    /// </summary>
    private TemporalWorker NewWorker(Activities activities) =>
        new(server.Client, new TemporalWorkerOptions(_queue) { MaxHeartbeatThrottleInterval = TimeSpan.FromMilliseconds(200) }
            .AddWorkflow<ActivityWorkflow>()
            .AddAllActivities(activities));

    public sealed class Activities
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<ActivityCancelReason> Canceled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [Activity]
        public async Task HeartbeatForeverAsync()
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
    public sealed class ActivityWorkflow
    {
        [WorkflowRun]
        public Task RunAsync() =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.HeartbeatForeverAsync(),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), HeartbeatTimeout = TimeSpan.FromSeconds(20) });
    }
}
