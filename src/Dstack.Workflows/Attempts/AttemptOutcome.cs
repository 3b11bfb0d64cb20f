using Dstack.Core.Backends;
using Dstack.Workflows.Contracts;

namespace Dstack.Workflows.Attempts;

/// <summary>How one attempt (one machine) ended: the run finished, or the cloud took the machine back.</summary>
internal abstract record AttemptOutcome
{
    private AttemptOutcome()
    {
    }

    /// <summary>The run ended on this machine (done, failed, stopped or aborted); no attempt follows.</summary>
    /// <param name="Result">The run's result.</param>
    public sealed record Finished(RunResult Result) : AttemptOutcome;

    /// <summary>The spot machine was interrupted; the run goes on with another attempt unless its policy says otherwise.</summary>
    /// <param name="Notice">What the cloud said.</param>
    /// <param name="At">When the workflow learned of it (UTC).</param>
    public sealed record Interrupted(InterruptionNotice Notice, DateTime At) : AttemptOutcome;
}
