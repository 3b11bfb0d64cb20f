using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class BasicWorkflowTests(ServerFixture server)
{
    [Fact]
    public async Task ExecuteWorkflow_OneActivity_ReturnsActivityResult()
    {
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(queue)
            .AddWorkflow<GreetingWorkflow>()
            .AddActivity(GreetingWorkflow.Greet));
        var result = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (GreetingWorkflow wf) => wf.RunAsync("dstack"),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", queue)));
        Assert.Equal("Hello, dstack!", result);
    }

    [Workflow]
    public sealed class GreetingWorkflow
    {
        [Activity]
        public static string Greet(string name) => $"Hello, {name}!";

        [WorkflowRun]
        public Task<string> RunAsync(string name) =>
            Workflow.ExecuteActivityAsync(() => Greet(name), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }
}
