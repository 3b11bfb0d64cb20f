using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class ActivitiesTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task ExecuteActivity_WithArguments_ReturnsActivityResult()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        var result = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (OneActivityWorkflow wf) => wf.RunAsync("a", 3),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));
        Assert.Equal("a-a-a", result);
    }

    [Fact]
    public async Task ExecuteActivity_ActivityInfo_CarriesWorkflowAndActivityIdentity()
    {
        var activities = new Activities();
        var id = $"wf-{Guid.NewGuid()}";
        using var worker = NewWorker(activities);
        var handle = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (OneActivityWorkflow wf) => wf.RunAsync("x", 1),
                new WorkflowOptions(id, _queue));
            await h.GetResultAsync();
            return h;
        });

        var info = Assert.Single(activities.Infos);
        Assert.Equal(id, info.WorkflowId);
        Assert.Equal(handle.ResultRunId, info.WorkflowRunId);
        Assert.Equal(nameof(OneActivityWorkflow), info.WorkflowType);
        Assert.Equal(ServerFixture.Namespace, info.WorkflowNamespace);
        Assert.Equal("Repeat", info.ActivityType);
        Assert.Equal(_queue, info.TaskQueue);
        Assert.Equal(1, info.Attempt);
        Assert.Equal(TimeSpan.FromSeconds(10), info.StartToCloseTimeout);
        Assert.False(string.IsNullOrEmpty(info.ActivityId));
        Assert.False(info.IsLocal);
    }

    [Fact]
    public async Task ExecuteActivity_ManyInParallel_AllCompleteWithTheirResults()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        var result = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (ParallelActivitiesWorkflow wf) => wf.RunAsync(20),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), result);

        // Twenty distinct activities, one attempt each.
        Assert.Equal(20, activities.Infos.Count);
        Assert.Equal(20, activities.Infos.Select(i => i.ActivityId).Distinct().Count());
    }

    [Fact]
    public async Task ExecuteActivity_Completed_HistoryHasScheduledStartedCompleted()
    {
        var activities = new Activities();
        using var worker = NewWorker(activities);
        var history = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (OneActivityWorkflow wf) => wf.RunAsync("h", 2),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.GetResultAsync();
            return await h.FetchHistoryAsync();
        });

        var events = history.Events.ToList();
        var scheduled = Assert.Single(events, e => e.EventType == EventType.ActivityTaskScheduled);
        var started = Assert.Single(events, e => e.EventType == EventType.ActivityTaskStarted);
        var completed = Assert.Single(events, e => e.EventType == EventType.ActivityTaskCompleted);
        Assert.Equal("Repeat", scheduled.ActivityTaskScheduledEventAttributes.ActivityType.Name);
        Assert.Equal(_queue, scheduled.ActivityTaskScheduledEventAttributes.TaskQueue.Name);
        Assert.NotNull(scheduled.ActivityTaskScheduledEventAttributes.RetryPolicy);
        Assert.Equal(scheduled.EventId, started.ActivityTaskStartedEventAttributes.ScheduledEventId);
        Assert.Equal(1, started.ActivityTaskStartedEventAttributes.Attempt);
        Assert.Equal(scheduled.EventId, completed.ActivityTaskCompletedEventAttributes.ScheduledEventId);
        Assert.Equal(started.EventId, completed.ActivityTaskCompletedEventAttributes.StartedEventId);
        Assert.True(started.EventId < completed.EventId);
    }

    private TemporalWorker NewWorker(Activities activities) =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<OneActivityWorkflow>()
            .AddWorkflow<ParallelActivitiesWorkflow>()
            .AddAllActivities(activities));

    public sealed class Activities
    {
        public ConcurrentQueue<ActivityInfo> Infos { get; } = new();

        [Activity]
        public string Repeat(string text, int times)
        {
            Infos.Enqueue(ActivityExecutionContext.Current.Info);
            return string.Join("-", Enumerable.Repeat(text, times));
        }
    }

    [Workflow]
    public sealed class OneActivityWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(string text, int times) =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.Repeat(text, times),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }

    [Workflow]
    public sealed class ParallelActivitiesWorkflow
    {
        [WorkflowRun]
        public async Task<string[]> RunAsync(int count)
        {
            var tasks = Enumerable.Range(0, count).Select(i => Workflow.ExecuteActivityAsync(
                (Activities a) => a.Repeat(i.ToString(System.Globalization.CultureInfo.InvariantCulture), 1),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) }));
            return await Workflow.WhenAllAsync(tasks);
        }
    }
}
