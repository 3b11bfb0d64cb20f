using Temporalio.Workflows;

namespace Dstack.Cli.Tests;

/// <summary>
/// Stands in for <c>RunWorkflow</c> where stopping takes time, as a real one's does (the job's grace period, the
/// artifact upload, the release): on <c>stop</c> it waits <see cref="StopTakes"/>, then writes the manifest's
/// <c>stopped</c> through <see cref="StoppedManifestWriter"/> and ends, as the real workflow does.
/// </summary>
[Workflow("RunWorkflow")]
public sealed class SlowStopRunWorkflow
{
    public static readonly TimeSpan StopTakes = TimeSpan.FromSeconds(2);

    private bool _stop;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _stop);
        await Workflow.DelayAsync(StopTakes);
        await Workflow.ExecuteActivityAsync(
            (StoppedManifestWriter w) => w.MarkStoppedAsync(Workflow.Info.WorkflowId),
            new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        return "stop";
    }

    [WorkflowSignal("stop")]
    public Task StopAsync()
    {
        _stop = true;
        return Task.CompletedTask;
    }
}
