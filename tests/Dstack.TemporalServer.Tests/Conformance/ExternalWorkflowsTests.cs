using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>Signals and cancel requests one workflow sends another (SignalExternal / RequestCancelExternal commands).</summary>
[Collection(ServerCollection.Name)]
public sealed class ExternalWorkflowsTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task SignalAsync_RunningWorkflow_TargetGetsSignalNamingTheSender()
    {
        using var worker = NewWorker();
        var (sent, result, sender, history, targetHistory) = await worker.ExecuteAsync(async () =>
        {
            var target = await server.Client.StartWorkflowAsync((TargetWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"target-{Guid.NewGuid()}", _queue));
            var s = await server.Client.StartWorkflowAsync((SenderWorkflow wf) => wf.RunAsync(new Send(Action.Signal, target.Id)), new WorkflowOptions($"sender-{Guid.NewGuid()}", _queue));
            return (await s.GetResultAsync(), await target.GetResultAsync(), s, await s.FetchHistoryAsync(), await target.FetchHistoryAsync());
        });

        Assert.Equal("done", sent);
        Assert.Equal("poked", result);
        var initiated = Single(history, EventType.SignalExternalWorkflowExecutionInitiated);
        var a = initiated.SignalExternalWorkflowExecutionInitiatedEventAttributes;
        Assert.Equal("Poke", a.SignalName);
        Assert.False(a.ChildWorkflowOnly);
        var signaledEvent = Single(history, EventType.ExternalWorkflowExecutionSignaled).ExternalWorkflowExecutionSignaledEventAttributes;
        Assert.Equal(initiated.EventId, signaledEvent.InitiatedEventId);
        Assert.Equal(a.WorkflowExecution.WorkflowId, signaledEvent.WorkflowExecution.WorkflowId);

        var signaled = Single(targetHistory, EventType.WorkflowExecutionSignaled).WorkflowExecutionSignaledEventAttributes;
        Assert.Equal(sender.Id, signaled.ExternalWorkflowExecution.WorkflowId);
        Assert.Equal(sender.ResultRunId, signaled.ExternalWorkflowExecution.RunId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SignalAsync_NoSuchOrClosedWorkflow_FailsInTheSender(bool closed)
    {
        using var worker = NewWorker();
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var targetId = $"target-{Guid.NewGuid()}";
            if (closed)
            {
                var target = await server.Client.StartWorkflowAsync((TargetWorkflow wf) => wf.RunAsync(), new WorkflowOptions(targetId, _queue));
                await target.TerminateAsync();
            }

            var s = await server.Client.StartWorkflowAsync((SenderWorkflow wf) => wf.RunAsync(new Send(Action.Signal, targetId)), new WorkflowOptions($"sender-{Guid.NewGuid()}", _queue));
            return (await s.GetResultAsync(), await s.FetchHistoryAsync());
        });

        Assert.StartsWith("failed:", result, StringComparison.Ordinal);
        var initiated = Single(history, EventType.SignalExternalWorkflowExecutionInitiated);
        var failed = Single(history, EventType.SignalExternalWorkflowExecutionFailed).SignalExternalWorkflowExecutionFailedEventAttributes;
        Assert.Equal(SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound, failed.Cause);
        Assert.Equal(initiated.EventId, failed.InitiatedEventId);
    }

    [Fact]
    public async Task SignalAsync_Itself_FailsInTheSender()
    {
        using var worker = NewWorker();
        var id = $"sender-{Guid.NewGuid()}";
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var s = await server.Client.StartWorkflowAsync((SenderWorkflow wf) => wf.RunAsync(new Send(Action.Signal, id)), new WorkflowOptions(id, _queue));
            return (await s.GetResultAsync(), await s.FetchHistoryAsync());
        });

        Assert.StartsWith("failed:", result, StringComparison.Ordinal);
        Single(history, EventType.SignalExternalWorkflowExecutionFailed);
        Assert.DoesNotContain(history.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
    }

    [Fact]
    public async Task CancelAsync_RunningWorkflow_TargetCanceledByARequestNamingTheSender()
    {
        using var worker = NewWorker();
        var (sent, targetError, sender, history, targetHistory) = await worker.ExecuteAsync(async () =>
        {
            var target = await server.Client.StartWorkflowAsync((TargetWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"target-{Guid.NewGuid()}", _queue));
            var s = await server.Client.StartWorkflowAsync((SenderWorkflow wf) => wf.RunAsync(new Send(Action.Cancel, target.Id)), new WorkflowOptions($"sender-{Guid.NewGuid()}", _queue));
            return (await s.GetResultAsync(), await Assert.ThrowsAsync<WorkflowFailedException>(() => target.GetResultAsync()), s, await s.FetchHistoryAsync(), await target.FetchHistoryAsync());
        });

        Assert.Equal("done", sent);
        Assert.IsType<CanceledFailureException>(targetError.InnerException);
        var initiated = Single(history, EventType.RequestCancelExternalWorkflowExecutionInitiated);
        Assert.False(initiated.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.ChildWorkflowOnly);
        Assert.Equal(initiated.EventId, Single(history, EventType.ExternalWorkflowExecutionCancelRequested).ExternalWorkflowExecutionCancelRequestedEventAttributes.InitiatedEventId);

        var request = Single(targetHistory, EventType.WorkflowExecutionCancelRequested).WorkflowExecutionCancelRequestedEventAttributes;
        Assert.Equal(initiated.EventId, request.ExternalInitiatedEventId);
        Assert.Equal(sender.Id, request.ExternalWorkflowExecution.WorkflowId);
        Assert.Equal(sender.ResultRunId, request.ExternalWorkflowExecution.RunId);
    }

    [Fact]
    public async Task CancelAsync_NoSuchWorkflow_FailsInTheSender()
    {
        using var worker = NewWorker();
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var s = await server.Client.StartWorkflowAsync((SenderWorkflow wf) => wf.RunAsync(new Send(Action.Cancel, $"target-{Guid.NewGuid()}")), new WorkflowOptions($"sender-{Guid.NewGuid()}", _queue));
            return (await s.GetResultAsync(), await s.FetchHistoryAsync());
        });

        Assert.StartsWith("failed:", result, StringComparison.Ordinal);
        var failed = Single(history, EventType.RequestCancelExternalWorkflowExecutionFailed).RequestCancelExternalWorkflowExecutionFailedEventAttributes;
        Assert.Equal(CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound, failed.Cause);
    }

    [Fact]
    public async Task CancelAsync_CompletedWorkflow_SucceedsAndChangesNothing()
    {
        using var worker = NewWorker();
        var (result, history, target) = await worker.ExecuteAsync(async () =>
        {
            var t = await server.Client.StartWorkflowAsync((TargetWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"target-{Guid.NewGuid()}", _queue));
            await t.SignalAsync(wf => wf.PokeAsync());
            await t.GetResultAsync();
            var s = await server.Client.StartWorkflowAsync((SenderWorkflow wf) => wf.RunAsync(new Send(Action.Cancel, t.Id)), new WorkflowOptions($"sender-{Guid.NewGuid()}", _queue));
            return (await s.GetResultAsync(), await s.FetchHistoryAsync(), await t.DescribeAsync());
        });

        Assert.Equal("done", result);
        Single(history, EventType.ExternalWorkflowExecutionCancelRequested);
        Assert.Equal(WorkflowExecutionStatus.Completed, target.Status);
    }

    private static HistoryEvent Single(WorkflowHistory history, EventType type) => Assert.Single(history.Events, e => e.EventType == type);

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<TargetWorkflow>()
            .AddWorkflow<SenderWorkflow>());

    public enum Action
    {
        Signal,
        Cancel,
    }

    public sealed record Send(Action Action, string TargetId);

    [Workflow]
    public sealed class TargetWorkflow
    {
        private bool _poked;

        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            await Workflow.WaitConditionAsync(() => _poked);
            return "poked";
        }

        [WorkflowSignal]
        public Task PokeAsync()
        {
            _poked = true;
            return Task.CompletedTask;
        }
    }

    [Workflow]
    public sealed class SenderWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync(Send send)
        {
            try
            {
                if (send.Action == Action.Signal)
                {
                    await Workflow.GetExternalWorkflowHandle<TargetWorkflow>(send.TargetId).SignalAsync(wf => wf.PokeAsync());
                }
                else
                {
                    await Workflow.GetExternalWorkflowHandle(send.TargetId).CancelAsync();
                }

                return "done";
            }
            catch (FailureException e)
            {
                return $"failed: {e.Message}";
            }
        }
    }
}
