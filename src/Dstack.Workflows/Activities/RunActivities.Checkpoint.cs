using Dstack.Core.Instances;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Dstack.Workflows.Activities;

/// <summary>The last checkpoint of an interrupted attempt.</summary>
public sealed partial class RunActivities
{
    /// <summary>
    /// Syncs the job's <c>mount: true</c> artifacts once more, between a spot interruption notice and the machine going
    /// away, so the next attempt resumes from what the job wrote last. Incremental, hence idempotent.
    /// </summary>
    /// <returns>The number of files uploaded or removed (0 when the run mounts nothing or nothing changed).</returns>
    [Activity]
    public async Task<int> SyncMountsBeforeReleaseAsync(JobInput input)
    {
        try
        {
            await using var shell = await ConnectAsync(input.Instance);
            var mounts = CreateMountSync(shell, new JobRunner(shell, input.Spec.RunName, StorageLayout.MainJob, input.Attempt), input.Spec);
            return mounts is null ? 0 : await mounts.SyncAsync(CancellationToken);
        }
        catch (Exception e) when (e is InstanceUnreachableException or JobException)
        {
            // The machine is going: retrying for long would only hold back the next attempt.
            throw new ApplicationFailureException($"the last checkpoint sync failed: {e.Message}", errorType: FailureReason.Error, nonRetryable: true);
        }
    }
}
