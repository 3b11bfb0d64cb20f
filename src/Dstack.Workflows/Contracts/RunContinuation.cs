using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>
/// What a run carries into its next execution when Temporal suggests continuing as new (a long wait for capacity, many
/// interruptions): the manifest so far (its spec with the resolved deps, its attempts), where the capacity search stands
/// (round, deadline and backoff, so client tokens stay unique and <c>retry.duration</c> is not restarted), what it learned
/// (blocked regions, on-demand prices, capacity errors), where the log ends, and any stop or abort already asked for.
/// Carried only between capacity rounds, when the run holds no machine.
/// </summary>
public sealed record RunContinuation(
    RunManifest Manifest,
    int Round,
    DateTime RetryDeadline,
    TimeSpan Backoff,
    IReadOnlyList<string> BlockedRegions,
    IReadOnlyList<string> CapacityErrors,
    IReadOnlyDictionary<string, decimal?> OnDemandPrices,
    long LogOffset,
    IReadOnlyList<string> Events,
    bool StopRequested,
    bool AbortRequested);
