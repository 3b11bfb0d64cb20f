using Dstack.Core.Backends;
using Dstack.Workflows.Contracts;

namespace Dstack.Workflows.Attempts;

/// <summary>How a search for capacity ended: with a machine, or with the run's end (no capacity in time, a stop).</summary>
internal abstract record CapacityOutcome
{
    private CapacityOutcome()
    {
    }

    /// <summary>A machine was launched for the run; it must be released.</summary>
    /// <param name="Instance">The machine.</param>
    public sealed record Acquired(Instance Instance) : CapacityOutcome;

    /// <summary>The run ended before it got a machine.</summary>
    /// <param name="Result">The run's result.</param>
    public sealed record Ended(RunResult Result) : CapacityOutcome;
}
