using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class HistoryTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task FetchHistory_OneActivityWorkflow_ExactEventSequenceWithContiguousIds()
    {
        using var worker = NewWorker();
        var history = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((OneActivityWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.GetResultAsync();
            return await h.FetchHistoryAsync();
        });

        EventType[] expected =
        [
            EventType.WorkflowExecutionStarted,
            EventType.WorkflowTaskScheduled,
            EventType.WorkflowTaskStarted,
            EventType.WorkflowTaskCompleted,
            EventType.ActivityTaskScheduled,
            EventType.ActivityTaskStarted,
            EventType.ActivityTaskCompleted,
            EventType.WorkflowTaskScheduled,
            EventType.WorkflowTaskStarted,
            EventType.WorkflowTaskCompleted,
            EventType.WorkflowExecutionCompleted,
        ];
        Assert.Equal(expected, history.Events.Select(e => e.EventType));
        Assert.Equal(Enumerable.Range(1, expected.Length).Select(i => (long)i), history.Events.Select(e => e.EventId));
        Assert.All(history.Events, e => Assert.NotNull(e.EventTime));
    }

    [Fact]
    public async Task FetchHistory_OneActivityWorkflow_EventsReferenceEachOther()
    {
        using var worker = NewWorker();
        var events = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((OneActivityWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.GetResultAsync();
            return (await h.FetchHistoryAsync()).Events.ToDictionary(e => e.EventId);
        });

        var started = events[1].WorkflowExecutionStartedEventAttributes;
        Assert.Equal(nameof(OneActivityWorkflow), started.WorkflowType.Name);
        Assert.Equal(_queue, started.TaskQueue.Name);
        Assert.Equal(1, started.Attempt);
        Assert.NotNull(started.WorkflowTaskTimeout);
        Assert.Equal(events[1].WorkflowExecutionStartedEventAttributes.OriginalExecutionRunId, started.FirstExecutionRunId);

        Assert.Equal(2, events[3].WorkflowTaskStartedEventAttributes.ScheduledEventId);
        Assert.Equal(2, events[4].WorkflowTaskCompletedEventAttributes.ScheduledEventId);
        Assert.Equal(3, events[4].WorkflowTaskCompletedEventAttributes.StartedEventId);
        Assert.Equal(4, events[5].ActivityTaskScheduledEventAttributes.WorkflowTaskCompletedEventId);
        Assert.Equal(5, events[6].ActivityTaskStartedEventAttributes.ScheduledEventId);
        Assert.Equal(5, events[7].ActivityTaskCompletedEventAttributes.ScheduledEventId);
        Assert.Equal(6, events[7].ActivityTaskCompletedEventAttributes.StartedEventId);
        Assert.Equal(8, events[9].WorkflowTaskStartedEventAttributes.ScheduledEventId);
        Assert.Equal(10, events[11].WorkflowExecutionCompletedEventAttributes.WorkflowTaskCompletedEventId);
        Assert.Equal("done", server.Client.Options.DataConverter.PayloadConverter.ToValue<string>(
            events[11].WorkflowExecutionCompletedEventAttributes.Result.Payloads_[0]));
    }

    [Fact]
    public async Task GetWorkflowExecutionHistory_CloseEventFilterOnClosedRun_ReturnsOnlyCloseEvent()
    {
        using var worker = NewWorker();
        var handle = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((OneActivityWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.GetResultAsync();
            return h;
        });

        var response = await server.Client.Connection.WorkflowService.GetWorkflowExecutionHistoryAsync(new GetWorkflowExecutionHistoryRequest
        {
            Namespace = ServerFixture.Namespace,
            Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId },
            HistoryEventFilterType = HistoryEventFilterType.CloseEvent,
        });
        var close = Assert.Single(response.History.Events);
        Assert.Equal(EventType.WorkflowExecutionCompleted, close.EventType);
        Assert.Equal(11, close.EventId);
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<OneActivityWorkflow>().AddActivity(OneActivityWorkflow.Echo));

    [Workflow]
    public sealed class OneActivityWorkflow
    {
        [Temporalio.Activities.Activity]
        public static string Echo(string value) => value;

        [WorkflowRun]
        public Task<string> RunAsync() =>
            Workflow.ExecuteActivityAsync(() => Echo("done"), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }
}
