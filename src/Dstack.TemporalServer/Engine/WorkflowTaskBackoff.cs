namespace Dstack.TemporalServer.Engine;

/// <summary>
/// How long an attempt of a workflow task may run before it times out, real Temporal's rule for a task that keeps
/// failing (history service, workflowTaskStateMachine.getStartToCloseTimeout): attempts 1 to 3 get the workflow's
/// task timeout; from attempt 4 on, an extra 5 s × 2^(attempt − 4), at most 10 minutes, less a random 0–20%.
/// </summary>
/// <remarks>
/// A worker that keeps failing a task stops answering it after the first failure (the SDKs report only attempt 1, and
/// the server drops later refused completions), so the extra time is the pause between attempts: a broken workflow
/// costs one attempt per timeout instead of a busy loop.
/// </remarks>
internal static class WorkflowTaskBackoff
{
    /// <summary>The last attempt that gets the plain task timeout.</summary>
    public const int MinAttempts = 3;

    /// <summary>Gets the first extra time, added to attempt 4.</summary>
    public static TimeSpan InitialInterval { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the longest extra time, real Temporal's <c>history.workflowTaskRetryMaxInterval</c>.</summary>
    public static TimeSpan MaximumInterval { get; } = TimeSpan.FromMinutes(10);

    /// <summary>The start-to-close timeout of <paramref name="attempt"/>, with a fresh random jitter.</summary>
    public static TimeSpan StartToCloseTimeout(TimeSpan taskTimeout, int attempt) =>
        taskTimeout + ExtraTime(attempt, Random.Shared.NextDouble());

    /// <summary>
    /// The time added to the task timeout of <paramref name="attempt"/>; <paramref name="jitter"/> in [0, 1) picks
    /// where in 80–100% of the full interval it lands (real Temporal's ExponentialRetryPolicy.addJitter).
    /// </summary>
    public static TimeSpan ExtraTime(int attempt, double jitter)
    {
        if (attempt <= MinAttempts)
        {
            return TimeSpan.Zero;
        }

        // Past about attempt 11 the doubling exceeds the cap; the exponent is bounded so the double never overflows.
        var exponent = Math.Min(attempt - MinAttempts - 1, 30);
        var full = Math.Min(InitialInterval.Ticks * Math.Pow(2, exponent), MaximumInterval.Ticks);
        return TimeSpan.FromTicks((long)(full * (0.8 + (0.2 * jitter))));
    }
}
