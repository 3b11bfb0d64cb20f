using System.Collections.Concurrent;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class WorkflowTaskFailuresTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task WorkflowTask_ThrowsOnFirstAttempt_RetriedAndWorkflowCompletes()
    {
        using var worker = NewWorker();
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (ThrowOnceWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal("recovered", result);
        var failed = Assert.Single(history.Events, e => e.EventType == EventType.WorkflowTaskFailed);
        Assert.Equal(WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure, failed.WorkflowTaskFailedEventAttributes.Cause);
        Assert.Contains("bug in workflow code", failed.WorkflowTaskFailedEventAttributes.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(EventType.WorkflowExecutionCompleted, history.Events.Last().EventType);
        AssertIdsContiguous(history.Events);
    }

    [Fact]
    public async Task WorkflowTask_ExceedsTaskTimeout_TimedOutAndRetried()
    {
        using var worker = NewWorker();
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (SlowOnceWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { TaskTimeout = TimeSpan.FromSeconds(1) });
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal("finished", result);
        // Core may also let the second attempt time out: it holds that task until the first, stale one is answered.
        var timedOut = history.Events.First(e => e.EventType == EventType.WorkflowTaskTimedOut);
        Assert.Equal(TimeoutType.StartToClose, timedOut.WorkflowTaskTimedOutEventAttributes.TimeoutType);
        // Retries stay out of the history until one completes: the next scheduled event is that one's, attempt 2 or later.
        var scheduledAfter = history.Events.First(e => e.EventId > timedOut.EventId && e.EventType == EventType.WorkflowTaskScheduled);
        Assert.True(scheduledAfter.WorkflowTaskScheduledEventAttributes.Attempt >= 2);
        AssertIdsContiguous(history.Events);
    }

    [Fact]
    public async Task CompleteWorkflow_SignalArrivesWhileTaskInFlight_UnhandledCommandAndSignalNotLost()
    {
        using var worker = NewWorker();
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var options = new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue);
            options.SignalWithStart((FirstSignalWorkflow wf) => wf.AddAsync("a"));
            var h = await server.Client.StartWorkflowAsync((FirstSignalWorkflow wf) => wf.RunAsync(), options);

            // The handler of "a" holds the first workflow task; "b" arrives while it is started.
            await Eventually.TrueAsync(
                async () => (await h.DescribeRawAsync()).PendingWorkflowTask?.State == PendingWorkflowTaskState.Started,
                TimeSpan.FromSeconds(5));
            await h.SignalAsync(wf => wf.AddAsync("b"));
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        // The server refuses to complete while "b" is buffered, so the workflow sees both.
        Assert.Equal(["a", "b"], result);
        var failed = Assert.Single(history.Events, e => e.EventType == EventType.WorkflowTaskFailed);
        Assert.Equal(WorkflowTaskFailedCause.UnhandledCommand, failed.WorkflowTaskFailedEventAttributes.Cause);
        Assert.Equal(EventType.WorkflowExecutionSignaled, history.Events.First(e => e.EventId == failed.EventId + 1).EventType);
        AssertIdsContiguous(history.Events);
    }

    private static void AssertIdsContiguous(IEnumerable<Temporalio.Api.History.V1.HistoryEvent> events) =>
        Assert.Equal(Enumerable.Range(1, events.Count()).Select(i => (long)i), events.Select(e => e.EventId));

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<ThrowOnceWorkflow>()
            .AddWorkflow<SlowOnceWorkflow>()
            .AddWorkflow<FirstSignalWorkflow>());

    [Workflow]
    public sealed class ThrowOnceWorkflow
    {
        private static readonly ConcurrentDictionary<string, bool> Thrown = new();

        [WorkflowRun]
        public Task<string> RunAsync()
        {
            if (Thrown.TryAdd(Workflow.Info.WorkflowId, true))
            {
                // Not a Temporal failure exception: fails the workflow task, not the workflow.
                throw new InvalidOperationException("bug in workflow code");
            }

            return Task.FromResult("recovered");
        }
    }

    [Workflow]
    public sealed class SlowOnceWorkflow
    {
        private static readonly ConcurrentDictionary<string, bool> Slowed = new();

        [WorkflowRun]
        public Task<string> RunAsync()
        {
            if (Slowed.TryAdd(Workflow.Info.WorkflowId, true))
            {
                // Longer than the 1 s task timeout, shorter than the SDK's 2 s deadlock detection.
                Thread.Sleep(1500);
            }

            return Task.FromResult("finished");
        }
    }

    [Workflow]
    public sealed class FirstSignalWorkflow
    {
        private static readonly ConcurrentDictionary<string, bool> Slowed = new();
        private readonly List<string> _received = [];

        [WorkflowRun]
        public async Task<List<string>> RunAsync()
        {
            await Workflow.WaitConditionAsync(() => _received.Count >= 1);
            return _received;
        }

        [WorkflowSignal("Add")]
        public Task AddAsync(string value)
        {
            _received.Add(value);
            if (Slowed.TryAdd(Workflow.Info.WorkflowId, true))
            {
                // Keeps the first workflow task started on the server long enough for a second signal.
                Thread.Sleep(800);
            }

            return Task.CompletedTask;
        }
    }
}
