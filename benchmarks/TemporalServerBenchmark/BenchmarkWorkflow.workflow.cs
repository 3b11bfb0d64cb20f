using Temporalio.Workflows;

namespace Dstack.Benchmarks.TemporalServer;

/// <summary>The measured unit: a workflow that runs one activity.</summary>
[Workflow]
public sealed class BenchmarkWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string input) =>
        Workflow.ExecuteActivityAsync(() => BenchmarkActivities.Echo(input), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}
