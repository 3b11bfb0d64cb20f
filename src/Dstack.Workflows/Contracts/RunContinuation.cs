using System.Text.Json.Serialization;
using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>
/// What a run carries into its next execution when Temporal suggests continuing as new (a long wait for capacity, many
/// interruptions): the manifest so far (its spec with the resolved deps, its attempts), its <see cref="CapacitySearch"/>,
/// where the log ends, the recent events, and any stop or abort already asked for. Carried only between capacity rounds,
/// when the run holds no machine.
/// </summary>
/// <remarks>
/// The search's fields lie flat in the payload, as runs continued before the search was one record wrote them: the
/// input of an execution in flight must still read the same. Build it with <see cref="Of"/>; read the search with
/// <see cref="Search"/>.
/// </remarks>
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
    bool AbortRequested)
{
    /// <summary>Gets where the capacity search stood.</summary>
    [JsonIgnore]
    public CapacitySearch Search => new(Round, RetryDeadline, Backoff, BlockedRegions, CapacityErrors, OnDemandPrices);

    /// <summary>What a run carries on.</summary>
    public static RunContinuation Of(RunManifest manifest, CapacitySearch search, long logOffset, IReadOnlyList<string> events, bool stopRequested, bool abortRequested)
    {
        ArgumentNullException.ThrowIfNull(search);
        return new(manifest, search.Round, search.RetryDeadline, search.Backoff, search.BlockedRegions, search.CapacityErrors, search.OnDemandPrices, logOffset, events, stopRequested, abortRequested);
    }
}
