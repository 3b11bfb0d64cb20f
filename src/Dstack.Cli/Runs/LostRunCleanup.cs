using Dstack.Core.Backends;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;
using Dstack.Core.Storage;

namespace Dstack.Cli.Runs;

/// <summary>
/// Ends what a lost run left behind. Its workflow was terminated (from the Temporal Web UI, <c>temporal workflow
/// terminate</c>) or its server restarted, so no release ran: the job may still run on the machine, and the machine is
/// still held (an SSH host's block; a cloud machine, which <c>dstack ps</c> also lists as leaked). Nothing else ends
/// them, so <c>dstack stop</c> and <c>dstack rm</c> do it, on the machine of the attempt the manifest records as open.
/// </summary>
internal sealed class LostRunCleanup(CliContext context)
{
    /// <summary>
    /// Stops the job (SIGTERM, then SIGKILL after the grace period; SIGKILL at once when <paramref name="force"/>),
    /// removes its folder and releases the machine. A cloud machine is only terminated: its job ends with it.
    /// </summary>
    /// <returns>What was done, for the user; null when the run held no machine.</returns>
    /// <exception cref="CommandException">The machine's backend is not configured here, or the machine could not be reached.</exception>
    public async Task<string?> ReleaseAsync(RunManifest manifest, bool force, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Attempts is not [.., { EndedAt: null } attempt])
        {
            return null;
        }

        var instance = InstanceOf(attempt);
        await using var access = context.OpenInstanceAccess();
        var backend = access.Backend(instance);
        try
        {
            if (backend is not ICloudBackend)
            {
                var shell = await backend.ConnectAsync(instance, cancellationToken);
                await using (shell)
                {
                    var job = new JobRunner(shell, manifest.Spec.RunName, StorageLayout.MainJob, attempt.Number);
                    await job.StopAsync(force, cancellationToken: cancellationToken);
                    await job.CleanupAsync(cancellationToken);
                }
            }

            await backend.ReleaseAsync(instance, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or CommandException))
        {
            throw new CommandException($"could not stop the job of {manifest.Spec.RunName} on {instance.InstanceId} ({instance.Backend}) or release the machine: {e.Message}");
        }

        return backend is ICloudBackend
            ? $"terminated its machine {instance.InstanceId}"
            : $"stopped its job on {instance.InstanceId} and released the machine";
    }

    /// <summary>Closes the open attempt and marks the run finished, as the workflow would have.</summary>
    public RunManifest Finish(RunManifest manifest, RunStatus status, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var now = context.Time.GetUtcNow();
        var attempts = manifest.Attempts.Select(a => a.EndedAt is null ? a with { EndedAt = now, Outcome = reason } : a).ToList();
        return manifest with { Status = status, Reason = reason, Message = message, FinishedAt = now, Attempts = attempts };
    }

    /// <summary>
    /// The machine as the backends know it. They reach and release a machine by its ID, region and type; the manifest does
    /// not record its resources, which no backend needs for that.
    /// </summary>
    private static Instance InstanceOf(RunAttempt attempt) =>
        new(attempt.Backend, attempt.InstanceId, new InstanceOffer(
            attempt.Backend, attempt.Region, attempt.InstanceType, new MachineResources(0, 0, [], 0), attempt.PricePerHour, attempt.Spot, "unknown"));
}
