using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class IdPoliciesTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task Start_RunningWithFailConflictPolicy_ThrowsWorkflowAlreadyStarted()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await StartWaitingAsync(id);
        var ex = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
            StartWaitingAsync(id, o => o.IdConflictPolicy = WorkflowIdConflictPolicy.Fail));
        Assert.Equal(id, ex.WorkflowId);
        Assert.Equal(first.ResultRunId, ex.RunId);
        await first.TerminateAsync();
    }

    [Fact]
    public async Task Start_RunningWithDefaultPolicies_ThrowsWorkflowAlreadyStarted()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await StartWaitingAsync(id);
        var ex = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => StartWaitingAsync(id));
        Assert.Equal(first.ResultRunId, ex.RunId);
        await first.TerminateAsync();
    }

    [Fact]
    public async Task Start_RunningWithUseExistingConflictPolicy_ReturnsExistingRun()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await StartWaitingAsync(id);
        var second = await StartWaitingAsync(id, o => o.IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting);
        Assert.Equal(first.ResultRunId, second.ResultRunId);
        Assert.Equal(WorkflowExecutionStatus.Running, (await first.DescribeAsync()).Status);
        await first.TerminateAsync();
    }

    [Fact]
    public async Task Start_RunningWithTerminateExistingConflictPolicy_TerminatesOldRunAndStartsNew()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await StartWaitingAsync(id);
        var second = await StartWaitingAsync(id, o => o.IdConflictPolicy = WorkflowIdConflictPolicy.TerminateExisting);
        Assert.NotEqual(first.ResultRunId, second.ResultRunId);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await RunOf(first).DescribeAsync()).Status);
        Assert.Equal(WorkflowExecutionStatus.Running, (await RunOf(second).DescribeAsync()).Status);
        await second.TerminateAsync();
    }

    [Fact]
    public async Task Start_CompletedWithAllowDuplicate_StartsNewRun()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await RunToCompletionAsync(id, fail: false);
        var second = await StartWaitingAsync(id, o => o.IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate);
        Assert.NotEqual(first, second.ResultRunId);
        await second.TerminateAsync();
    }

    [Fact]
    public async Task Start_CompletedWithAllowDuplicateFailedOnly_ThrowsWorkflowAlreadyStarted()
    {
        var id = $"wf-{Guid.NewGuid()}";
        await RunToCompletionAsync(id, fail: false);
        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
            StartWaitingAsync(id, o => o.IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly));
    }

    [Fact]
    public async Task Start_FailedWithAllowDuplicateFailedOnly_StartsNewRun()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await RunToCompletionAsync(id, fail: true);
        var second = await StartWaitingAsync(id, o => o.IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly);
        Assert.NotEqual(first, second.ResultRunId);
        await second.TerminateAsync();
    }

    [Fact]
    public async Task Start_TerminatedWithAllowDuplicateFailedOnly_StartsNewRun()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await StartWaitingAsync(id);
        await first.TerminateAsync();
        var second = await StartWaitingAsync(id, o => o.IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly);
        Assert.NotEqual(first.ResultRunId, second.ResultRunId);
        await second.TerminateAsync();
    }

    [Fact]
    public async Task Start_CompletedWithRejectDuplicate_ThrowsWorkflowAlreadyStarted()
    {
        var id = $"wf-{Guid.NewGuid()}";
        await RunToCompletionAsync(id, fail: false);
        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
            StartWaitingAsync(id, o => o.IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate));
    }

    [Fact]
    public async Task Start_RunningWithTerminateIfRunningReusePolicy_TerminatesOldRun()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await StartWaitingAsync(id);
        var second = await StartWaitingAsync(id, o => o.IdReusePolicy = ObsoleteTerminateIfRunning);
        Assert.NotEqual(first.ResultRunId, second.ResultRunId);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await RunOf(first).DescribeAsync()).Status);
        await second.TerminateAsync();
    }

    [Fact]
    public async Task StartWorkflowExecution_SameRequestId_ReturnsSameRun()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = ServerFixture.Namespace,
            WorkflowId = id,
            WorkflowType = new WorkflowType { Name = nameof(WaitingWorkflow) },
            TaskQueue = new TaskQueue { Name = _queue },
            RequestId = Guid.NewGuid().ToString(),
            Identity = "conformance",
        };
        var service = server.Client.Connection.WorkflowService;
        var first = await service.StartWorkflowExecutionAsync(request);
        var again = await service.StartWorkflowExecutionAsync(request.Clone());
        Assert.Equal(first.RunId, again.RunId);
        Assert.True(first.Started);

        var other = request.Clone();
        other.RequestId = Guid.NewGuid().ToString();
        var ex = await Assert.ThrowsAsync<RpcException>(() => service.StartWorkflowExecutionAsync(other));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, ex.Code);

        await server.Client.GetWorkflowHandle(id).TerminateAsync();
    }

    // Deprecated in favour of the conflict policy, but still accepted by real Temporal.
#pragma warning disable CS0612
    private static WorkflowIdReusePolicy ObsoleteTerminateIfRunning => WorkflowIdReusePolicy.TerminateIfRunning;
#pragma warning restore CS0612

    /// <summary>A handle bound to the run the start call created (a started handle follows the latest run).</summary>
    private WorkflowHandle RunOf(WorkflowHandle handle) => server.Client.GetWorkflowHandle(handle.Id, runId: handle.ResultRunId);

    private Task<WorkflowHandle<WaitingWorkflow>> StartWaitingAsync(string id, Action<WorkflowOptions>? configure = null)
    {
        var options = new WorkflowOptions(id, _queue);
        configure?.Invoke(options);
        return server.Client.StartWorkflowAsync((WaitingWorkflow wf) => wf.RunAsync(), options);
    }

    /// <summary>Runs the workflow to completion (or failure) and returns its run ID.</summary>
    private async Task<string> RunToCompletionAsync(string id, bool fail)
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<FinishingWorkflow>());
        return await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((FinishingWorkflow wf) => wf.RunAsync(fail), new WorkflowOptions(id, _queue));
            if (fail)
            {
                await Assert.ThrowsAsync<WorkflowFailedException>(() => h.GetResultAsync());
            }
            else
            {
                await h.GetResultAsync();
            }

            return h.ResultRunId!;
        });
    }

    [Workflow]
    public sealed class WaitingWorkflow
    {
        [WorkflowRun]
        public Task RunAsync() => Workflow.WaitConditionAsync(() => false);
    }

    [Workflow]
    public sealed class FinishingWorkflow
    {
        [WorkflowRun]
        public Task RunAsync(bool fail) =>
            fail ? throw new ApplicationFailureException("failed on purpose") : Task.CompletedTask;
    }
}
