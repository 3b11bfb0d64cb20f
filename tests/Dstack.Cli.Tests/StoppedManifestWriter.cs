using Dstack.Core.Runs;
using Temporalio.Activities;

namespace Dstack.Cli.Tests;

/// <summary>The one activity of <see cref="SlowStopRunWorkflow"/>: marks a run's manifest stopped, as RunWorkflow does at its end.</summary>
public sealed class StoppedManifestWriter(ManifestStore manifests)
{
    [Activity]
    public async Task MarkStoppedAsync(string run)
    {
        var manifest = await manifests.ReadAsync(run) ?? throw new InvalidOperationException($"no manifest for {run}");
        await manifests.WriteAsync(manifest with { Status = RunStatus.Stopped, FinishedAt = DateTimeOffset.UtcNow });
    }
}
