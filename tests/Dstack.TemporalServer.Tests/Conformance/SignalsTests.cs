using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class SignalsTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task Signal_RunningWorkflow_HandlerReceivesArgumentsInOrder()
    {
        using var worker = NewWorker();
        var result = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CollectWorkflow wf) => wf.RunAsync(3),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.SignalAsync(wf => wf.AddAsync("one"));
            await h.SignalAsync(wf => wf.AddAsync("two"));
            await h.SignalAsync(wf => wf.AddAsync("three"));
            return await h.GetResultAsync();
        });
        Assert.Equal(["one", "two", "three"], result);
    }

    [Fact]
    public async Task SignalWithStart_NoRunningWorkflow_StartsAndDeliversSignalFirst()
    {
        using var worker = NewWorker();
        var options = new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue);
        options.SignalWithStart((CollectWorkflow wf) => wf.AddAsync("hello"));
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((CollectWorkflow wf) => wf.RunAsync(1), options);
            return (await h.GetResultAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal(["hello"], result);
        var types = history.Events.Select(e => e.EventType).Take(3).ToList();
        Assert.Equal([EventType.WorkflowExecutionStarted, EventType.WorkflowExecutionSignaled, EventType.WorkflowTaskScheduled], types);
        Assert.Equal("Add", history.Events.ElementAt(1).WorkflowExecutionSignaledEventAttributes.SignalName);
    }

    [Fact]
    public async Task SignalWithStart_WorkflowAlreadyRunning_SignalsExistingRun()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        var result = await worker.ExecuteAsync(async () =>
        {
            var first = await server.Client.StartWorkflowAsync(
                (CollectWorkflow wf) => wf.RunAsync(2),
                new WorkflowOptions(id, _queue));
            await first.SignalAsync(wf => wf.AddAsync("direct"));

            var options = new WorkflowOptions(id, _queue);
            options.SignalWithStart((CollectWorkflow wf) => wf.AddAsync("with-start"));
            var second = await server.Client.StartWorkflowAsync((CollectWorkflow wf) => wf.RunAsync(2), options);
            Assert.Equal(first.RunId, second.RunId);
            return await first.GetResultAsync();
        });
        Assert.Equal(["direct", "with-start"], result);
    }

    [Fact]
    public async Task Signal_BeforeWorkerStarts_AllSignalsDeliveredInFirstTask()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var options = new WorkflowOptions(id, _queue);
        options.SignalWithStart((CollectWorkflow wf) => wf.AddAsync("a"));
        var handle = await server.Client.StartWorkflowAsync((CollectWorkflow wf) => wf.RunAsync(1), options);
        await handle.SignalAsync(wf => wf.AddAsync("b"));

        using var worker = NewWorker();
        var result = await worker.ExecuteAsync(() => handle.GetResultAsync());

        // The workflow completes once it has one signal, but both were in history before its first task.
        Assert.Equal(["a", "b"], result);
    }

    [Fact]
    public async Task Signal_HundredConcurrent_EachDeliveredExactlyOnce()
    {
        using var worker = NewWorker();
        var result = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CollectWorkflow wf) => wf.RunAsync(100),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));

            // Signals land while workflow tasks are scheduled, started and completing: none may be lost or doubled.
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
                h.SignalAsync(wf => wf.AddAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
            return await h.GetResultAsync();
        });
        Assert.Equal(
            Enumerable.Range(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(),
            result.Order());
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<CollectWorkflow>());

    [Workflow]
    public sealed class CollectWorkflow
    {
        private readonly List<string> _received = [];

        [WorkflowRun]
        public async Task<List<string>> RunAsync(int count)
        {
            await Workflow.WaitConditionAsync(() => _received.Count >= count);
            return _received;
        }

        [WorkflowSignal("Add")]
        public Task AddAsync(string value)
        {
            _received.Add(value);
            return Task.CompletedTask;
        }
    }
}
