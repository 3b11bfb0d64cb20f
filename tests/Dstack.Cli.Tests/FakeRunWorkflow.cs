using Temporalio.Workflows;

namespace Dstack.Cli.Tests;

/// <summary>
/// Stands in for <c>RunWorkflow</c> (same type name and signal names) without the worker's activities: it waits for
/// <c>stop</c> or <c>abort</c> and returns which one it got.
/// </summary>
[Workflow("RunWorkflow")]
public sealed class FakeRunWorkflow
{
    private string? _signal;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _signal is not null);
        return _signal!; // set: the condition above waited for it
    }

    [WorkflowSignal("stop")]
    public Task StopAsync()
    {
        _signal ??= "stop";
        return Task.CompletedTask;
    }

    [WorkflowSignal("abort")]
    public Task AbortAsync()
    {
        _signal ??= "abort";
        return Task.CompletedTask;
    }
}
