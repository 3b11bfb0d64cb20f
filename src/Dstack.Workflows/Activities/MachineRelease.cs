using Dstack.Workflows.Contracts;

namespace Dstack.Workflows.Activities;

/// <summary>
/// The order of a release as one activity: the job's leftovers removed, then the machine released. One activity instead of
/// two saves a workflow task and a task queue round trip between a job's end and its slot given back, which the next run
/// in the capacity queue is waiting for (benchmarks/README.md, ScaleBenchmark).
/// </summary>
public static class MachineRelease
{
    /// <summary>
    /// Cleans up, then releases. A clean-up that fails on attempt <paramref name="attempt"/> fails the whole attempt (the
    /// activity is tried again, nothing released yet) until the last of <see cref="ReleaseInput.CleanUpTries"/>, after
    /// which the machine is released all the same and the result says what was left. A failed release fails the attempt:
    /// it is tried again without limit, as giving up would leak the machine; cleaning up again first is harmless.
    /// <paramref name="cleanUp"/> returns true when it released the machine as well (a backend whose release is a few shell
    /// lines on the machine, run in the clean-up's command); the release is then not run again.
    /// </summary>
    public static async Task<ReleaseResult> RunAsync(ReleaseInput input, int attempt, Func<Task<bool>> cleanUp, Func<Task> release)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(cleanUp);
        ArgumentNullException.ThrowIfNull(release);
        string? leftover = null;
        if (input.CleanUp)
        {
            try
            {
                if (await cleanUp())
                {
                    return new ReleaseResult(null);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt >= input.CleanUpTries)
            {
                leftover = e.Message;
            }
        }

        await release();
        return new ReleaseResult(leftover);
    }
}
