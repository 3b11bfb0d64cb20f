using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>Task priorities: stored with the workflow and its activities, seen by both, returned by describe and history.</summary>
[Collection(ServerCollection.Name)]
public sealed class PrioritiesTests(ServerFixture server)
{
    private static readonly Priority WorkflowPriority = new(priorityKey: 2, fairnessKey: "tenant-a", fairnessWeight: 2.5f);
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task StartWorkflow_WithPriority_WorkflowAndActivitySeeItAndHistoryKeepsIt()
    {
        using var worker = NewWorker();
        var (seen, history, description) = await worker.ExecuteAsync(async () =>
        {
            var handle = await server.Client.StartWorkflowAsync(
                (PriorityWorkflow wf) => wf.RunAsync(false),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { Priority = WorkflowPriority });
            return (await handle.GetResultAsync(), await handle.FetchHistoryAsync(), await handle.DescribeRawAsync());
        });

        Assert.Equal(new PrioritiesSeen(2, "tenant-a", 2.5f, 4, "tenant-a", 2.5f), seen);
        var started = history.Events.First().WorkflowExecutionStartedEventAttributes.Priority;
        Assert.Equal((2, "tenant-a", 2.5f), (started.PriorityKey, started.FairnessKey, started.FairnessWeight));

        // The activity's event keeps what the workflow asked for; the unset fields come from the workflow at dispatch.
        var scheduled = history.Events.Single(e => e.EventType == EventType.ActivityTaskScheduled).ActivityTaskScheduledEventAttributes.Priority;
        Assert.Equal((4, string.Empty, 0f), (scheduled.PriorityKey, scheduled.FairnessKey, scheduled.FairnessWeight));
        Assert.Equal(2, description.WorkflowExecutionInfo.Priority.PriorityKey);
    }

    [Fact]
    public async Task Describe_PendingActivityWithPriority_ReportsIt()
    {
        var handle = await server.Client.StartWorkflowAsync(
            (PriorityWorkflow wf) => wf.RunAsync(false),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { Priority = WorkflowPriority });
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<PriorityWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            // No activity worker: the activity stays pending.
            Temporalio.Api.Workflow.V1.PendingActivityInfo? pending = null;
            await Eventually.TrueAsync(async () => (pending = (await handle.DescribeRawAsync()).PendingActivities.SingleOrDefault()) is not null, TimeSpan.FromSeconds(20));
            Assert.Equal(4, pending!.Priority.PriorityKey);
            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task ContinueAsNew_KeepsThePriority()
    {
        using var worker = NewWorker();
        var seen = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (PriorityWorkflow wf) => wf.RunAsync(true),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { Priority = WorkflowPriority }));

        Assert.Equal((2, "tenant-a", 2.5f), (seen.WorkflowKey, seen.WorkflowFairnessKey, seen.WorkflowFairnessWeight));
    }

    [Theory]
    [InlineData(-1, "", "priority key can't be negative")]
    [InlineData(0, "a-fairness-key-that-is-longer-than-sixty-four-bytes-which-is-the-limit", "fairness key length exceeds limit")]
    public async Task StartWorkflow_InvalidPriority_InvalidArgument(int key, string fairnessKey, string message)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.StartWorkflowAsync(
            (PriorityWorkflow wf) => wf.RunAsync(false),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { Priority = new Priority(priorityKey: key, fairnessKey: fairnessKey) }));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, ex.Code);
        Assert.Equal(message, ex.Message);
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<PriorityWorkflow>().AddActivity(PriorityWorkflow.ActivityPriority));

    public sealed record PrioritySeen(int? Key, string? FairnessKey, float? Weight);

    public sealed record PrioritiesSeen(int? WorkflowKey, string? WorkflowFairnessKey, float? WorkflowFairnessWeight, int? ActivityKey, string? ActivityFairnessKey, float? ActivityFairnessWeight);

    [Workflow]
    public sealed class PriorityWorkflow
    {
        [Activity]
        public static PrioritySeen ActivityPriority()
        {
            var priority = ActivityExecutionContext.Current.Info.Priority;
            return new(priority.PriorityKey, priority.FairnessKey, priority.FairnessWeight);
        }

        [WorkflowRun]
        public async Task<PrioritiesSeen> RunAsync(bool continueOnce)
        {
            if (continueOnce)
            {
                throw Workflow.CreateContinueAsNewException((PriorityWorkflow wf) => wf.RunAsync(false));
            }

            var mine = Workflow.Info.Priority;
            var activity = await Workflow.ExecuteActivityAsync(
                () => ActivityPriority(),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(10), Priority = new Priority(priorityKey: 4) });
            return new PrioritiesSeen(mine.PriorityKey, mine.FairnessKey, mine.FairnessWeight, activity.Key, activity.FairnessKey, activity.Weight);
        }
    }
}
