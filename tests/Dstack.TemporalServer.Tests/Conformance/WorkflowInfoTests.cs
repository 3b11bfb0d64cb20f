using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>What a workflow learns about its own run from the started event (Workflow.Info).</summary>
[Collection(ServerCollection.Name)]
public sealed class WorkflowInfoTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task Info_NoTimeoutsSet_ExecutionAndRunTimeoutNullTaskTimeoutTenSeconds()
    {
        var info = await RunAsync(new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));

        Assert.Null(info.ExecutionTimeout);
        Assert.Null(info.RunTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), info.TaskTimeout);
    }

    [Fact]
    public async Task Info_ExecutionTimeoutOnly_RunTimeoutDefaultsToIt()
    {
        var info = await RunAsync(new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { ExecutionTimeout = TimeSpan.FromHours(1) });

        Assert.Equal(TimeSpan.FromHours(1), info.ExecutionTimeout);
        Assert.Equal(TimeSpan.FromHours(1), info.RunTimeout);
    }

    [Fact]
    public async Task Info_RunTimeoutOnly_NoExecutionTimeout()
    {
        var info = await RunAsync(new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue) { RunTimeout = TimeSpan.FromMinutes(30), TaskTimeout = TimeSpan.FromMinutes(5) });

        Assert.Null(info.ExecutionTimeout);
        Assert.Equal(TimeSpan.FromMinutes(30), info.RunTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), info.TaskTimeout);
    }

    private async Task<TimeoutsSeen> RunAsync(WorkflowOptions options)
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<InfoWorkflow>());
        return await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync((InfoWorkflow wf) => wf.RunAsync(), options));
    }

    public sealed record TimeoutsSeen(TimeSpan? ExecutionTimeout, TimeSpan? RunTimeout, TimeSpan TaskTimeout);

    [Workflow]
    public sealed class InfoWorkflow
    {
        [WorkflowRun]
        public Task<TimeoutsSeen> RunAsync() =>
            Task.FromResult(new TimeoutsSeen(Workflow.Info.ExecutionTimeout, Workflow.Info.RunTimeout, Workflow.Info.TaskTimeout));
    }
}
