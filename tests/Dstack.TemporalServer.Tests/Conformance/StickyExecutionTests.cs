using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>
/// Sticky execution: a worker that names a queue of its own when it completes a workflow task gets the next task there,
/// with only the events since its last task; a sticky task nobody starts in time goes to the normal queue.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class StickyExecutionTests(ServerFixture server)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _queue = $"sticky-tests-{Guid.NewGuid()}";
    private readonly string _sticky = $"sticky-{Guid.NewGuid()}";

    private WorkflowService Service => server.Client.Connection.WorkflowService;

    [Fact]
    public async Task CompletedWithAStickyQueue_NextTaskGoesThereWithOnlyTheNewEvents()
    {
        var handle = await server.Client.StartWorkflowAsync("sticky-raw", Array.Empty<object?>(), new WorkflowOptions($"sticky-{Guid.NewGuid()}", _queue));
        var first = await RawWorkflowTasks.PollAsync(server.Client, _queue, "raw");
        Assert.Equal(1, first.History.Events[0].EventId);

        var stickyPoll = PollStickyAsync(TimeSpan.FromSeconds(30));
        await CompleteAsync(first, TimeSpan.FromSeconds(10));
        await handle.SignalAsync("go", Array.Empty<object?>());
        var second = await stickyPoll;

        Assert.False(second.TaskToken.IsEmpty, "the sticky queue got no task");
        Assert.Equal(first.StartedEventId, second.PreviousStartedEventId);
        Assert.Equal(second.PreviousStartedEventId + 1, second.History.Events[0].EventId);
        Assert.Equal(EventType.WorkflowTaskStarted, second.History.Events[^1].EventType);
        Assert.Contains(second.History.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
        var scheduled = (await HistoryAsync(handle)).Where(e => e.EventType == EventType.WorkflowTaskScheduled).ToList();
        Assert.Equal(TaskQueueKind.Normal, scheduled[0].WorkflowTaskScheduledEventAttributes.TaskQueue.Kind);
        Assert.Equal(TaskQueueKind.Sticky, scheduled[1].WorkflowTaskScheduledEventAttributes.TaskQueue.Kind);
        Assert.Equal(_sticky, scheduled[1].WorkflowTaskScheduledEventAttributes.TaskQueue.Name);
    }

    [Fact]
    public async Task StickyTaskNotStartedInTime_TimesOutAndGoesToTheNormalQueueWithTheWholeHistory()
    {
        var handle = await server.Client.StartWorkflowAsync("sticky-raw", Array.Empty<object?>(), new WorkflowOptions($"sticky-{Guid.NewGuid()}", _queue));
        var first = await RawWorkflowTasks.PollAsync(server.Client, _queue, "raw");

        // The sticky worker polled a moment ago (its poll ran out empty), so the next task goes to its queue, where nobody
        // polls any more.
        Assert.True((await PollStickyAsync(TimeSpan.FromSeconds(2))).TaskToken.IsEmpty);
        await CompleteAsync(first, TimeSpan.FromSeconds(1));
        await handle.SignalAsync("go", Array.Empty<object?>());
        var second = await RawWorkflowTasks.PollAsync(server.Client, _queue, "raw");

        Assert.Equal(1, second.History.Events[0].EventId);
        var timedOut = Assert.Single(second.History.Events, e => e.EventType == EventType.WorkflowTaskTimedOut);
        Assert.Equal(TimeoutType.ScheduleToStart, timedOut.WorkflowTaskTimedOutEventAttributes.TimeoutType);
        var scheduled = second.History.Events.Where(e => e.EventType == EventType.WorkflowTaskScheduled).ToList();
        Assert.Equal(3, scheduled.Count);
        Assert.Equal(TaskQueueKind.Sticky, scheduled[1].WorkflowTaskScheduledEventAttributes.TaskQueue.Kind);
        Assert.Equal(TaskQueueKind.Normal, scheduled[2].WorkflowTaskScheduledEventAttributes.TaskQueue.Kind);
        Assert.Equal(1, scheduled[2].WorkflowTaskScheduledEventAttributes.Attempt);
    }

    [Fact]
    public async Task StickyQueueNeverPolled_NextTaskGoesToTheNormalQueue()
    {
        var handle = await server.Client.StartWorkflowAsync("sticky-raw", Array.Empty<object?>(), new WorkflowOptions($"sticky-{Guid.NewGuid()}", _queue));
        var first = await RawWorkflowTasks.PollAsync(server.Client, _queue, "raw");
        await CompleteAsync(first, TimeSpan.FromSeconds(30));
        await handle.SignalAsync("go", Array.Empty<object?>());
        var second = await RawWorkflowTasks.PollAsync(server.Client, _queue, "raw");

        Assert.Equal(1, second.History.Events[0].EventId);
        Assert.DoesNotContain(second.History.Events, e => e.EventType == EventType.WorkflowTaskTimedOut);
    }

    [Fact]
    public async Task ResetStickyTaskQueue_NextTaskGoesToTheNormalQueue_AndAnUnknownOrClosedWorkflowIsNotFound()
    {
        var id = $"sticky-{Guid.NewGuid()}";
        var handle = await server.Client.StartWorkflowAsync("sticky-raw", Array.Empty<object?>(), new WorkflowOptions(id, _queue));
        var first = await RawWorkflowTasks.PollAsync(server.Client, _queue, "raw");
        Assert.True((await PollStickyAsync(TimeSpan.FromSeconds(2))).TaskToken.IsEmpty);
        // Without the reset the task would wait on the sticky queue longer than the poll below waits.
        await CompleteAsync(first, TimeSpan.FromMinutes(5));
        await Service.ResetStickyTaskQueueAsync(new ResetStickyTaskQueueRequest { Namespace = ServerFixture.Namespace, Execution = new() { WorkflowId = id } });
        await handle.SignalAsync("go", Array.Empty<object?>());
        var second = await RawWorkflowTasks.PollAsync(server.Client, _queue, "raw");
        Assert.Equal(1, second.History.Events[0].EventId);

        await handle.TerminateAsync("done");
        var closed = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() =>
            Service.ResetStickyTaskQueueAsync(new ResetStickyTaskQueueRequest { Namespace = ServerFixture.Namespace, Execution = new() { WorkflowId = id } }));
        Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.NotFound, closed.Code);
        var unknown = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() =>
            Service.ResetStickyTaskQueueAsync(new ResetStickyTaskQueueRequest { Namespace = ServerFixture.Namespace, Execution = new() { WorkflowId = $"none-{Guid.NewGuid()}" } }));
        Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.NotFound, unknown.Code);
    }

    [Fact]
    public async Task SdkWorker_SignalsToACachedWorkflow_LaterTasksGoToItsStickyQueue()
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<SignalsWorkflow>());
        var history = await worker.ExecuteAsync(async () =>
        {
            var handle = await server.Client.StartWorkflowAsync((SignalsWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"sticky-{Guid.NewGuid()}", _queue));
            for (var i = 0; i < 3; i++)
            {
                // Each signal after the last task completed, so that it has a task of its own (signals sent together may
                // all reach the first task, and the workflow would end in it).
                var completed = i + 1;
                await Eventually.TrueAsync(async () => (await HistoryAsync(handle)).Count(e => e.EventType == EventType.WorkflowTaskCompleted) >= completed, Deadline);
                await handle.SignalAsync(wf => wf.AddAsync(i));
            }

            Assert.Equal(3, await handle.GetResultAsync().WaitAsync(Deadline));
            return await HistoryAsync(handle);
        });

        var kinds = history.Where(e => e.EventType == EventType.WorkflowTaskScheduled).Select(e => e.WorkflowTaskScheduledEventAttributes.TaskQueue.Kind).ToList();
        Assert.Equal(TaskQueueKind.Normal, kinds[0]);
        Assert.Contains(TaskQueueKind.Sticky, kinds.Skip(1));
    }

    [Fact]
    public async Task SdkWorker_StoppedWithATaskForItsStickyQueue_AnotherWorkerFinishesTheWorkflow()
    {
        var id = $"sticky-{Guid.NewGuid()}";
        WorkflowHandle<SignalsWorkflow, int> handle;
        using (var first = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<SignalsWorkflow>()))
        {
            handle = await first.ExecuteAsync(async () =>
            {
                var started = await server.Client.StartWorkflowAsync((SignalsWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, _queue));
                await started.SignalAsync(wf => wf.AddAsync(1));
                await Eventually.TrueAsync(async () => (await started.QueryAsync(wf => wf.Count)) == 1, Deadline);
                return started;
            });
        }

        await handle.SignalAsync(wf => wf.AddAsync(2));
        await handle.SignalAsync(wf => wf.AddAsync(3));
        using var second = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<SignalsWorkflow>());
        Assert.Equal(3, await second.ExecuteAsync(() => handle.GetResultAsync().WaitAsync(Deadline)));
    }

    private Task<PollWorkflowTaskQueueResponse> PollStickyAsync(TimeSpan timeout) =>
        Service.PollWorkflowTaskQueueAsync(
            new PollWorkflowTaskQueueRequest
            {
                Namespace = ServerFixture.Namespace,
                TaskQueue = new TaskQueue { Name = _sticky, Kind = TaskQueueKind.Sticky, NormalName = _queue },
                Identity = "raw-sticky",
            },
            new RpcOptions { Timeout = timeout, Retry = false });

    private Task<RespondWorkflowTaskCompletedResponse> CompleteAsync(PollWorkflowTaskQueueResponse task, TimeSpan stickyScheduleToStart) =>
        Service.RespondWorkflowTaskCompletedAsync(new RespondWorkflowTaskCompletedRequest
        {
            Namespace = ServerFixture.Namespace,
            TaskToken = task.TaskToken,
            Identity = "raw",
            StickyAttributes = new StickyExecutionAttributes
            {
                WorkerTaskQueue = new TaskQueue { Name = _sticky, Kind = TaskQueueKind.Sticky, NormalName = _queue },
                ScheduleToStartTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(stickyScheduleToStart),
            },
        });

    private static async Task<List<HistoryEvent>> HistoryAsync(WorkflowHandle handle) => (await handle.FetchHistoryAsync()).Events.ToList();

    [Workflow]
    public sealed class SignalsWorkflow
    {
        [WorkflowQuery]
        public int Count { get; private set; }

        [WorkflowRun]
        public async Task<int> RunAsync()
        {
            await Workflow.WaitConditionAsync(() => Count == 3);
            return Count;
        }

        [WorkflowSignal]
        public Task AddAsync(int value)
        {
            Count++;
            return Task.CompletedTask;
        }
    }
}
