using Dstack.Core.Backends;

namespace Dstack.Workflows.Contracts;

/// <summary>
/// Where a run's search for capacity stands. The round is part of each launch's client token, so tokens stay unique
/// across rounds and continued executions; the deadline is <c>retry.duration</c>'s, set once per attempt and never
/// restarted by continue-as-new; the backoff is the next pause between rounds. What earlier rounds and attempts learned
/// goes on: regions blocked after an interruption, the last capacity errors (the final message lists them), and on-demand
/// prices (what a spot attempt saved). Immutable: each step of the search makes the next value, and the value is what a
/// run carries into its next execution (<see cref="RunContinuation.Search"/>).
/// </summary>
/// <param name="Round">The capacity round, from 1 in each attempt.</param>
/// <param name="RetryDeadline">When the run stops waiting for capacity (UTC).</param>
/// <param name="Backoff">The pause after the next round that finds no capacity.</param>
/// <param name="BlockedRegions">Regions (<c>backend/region</c>) whose machine was interrupted: offers elsewhere come first.</param>
/// <param name="CapacityErrors">The last <see cref="ErrorsKept"/> launches that failed, and why.</param>
/// <param name="OnDemandPrices">The on-demand price per <c>backend/region/instance type</c> seen in the offers.</param>
public sealed record CapacitySearch(
    int Round,
    DateTime RetryDeadline,
    TimeSpan Backoff,
    IReadOnlyList<string> BlockedRegions,
    IReadOnlyList<string> CapacityErrors,
    IReadOnlyDictionary<string, decimal?> OnDemandPrices)
{
    /// <summary>How many capacity errors the search keeps (the run's final message lists them).</summary>
    public const int ErrorsKept = 10;

    /// <summary>Gets the search before the run's first attempt.</summary>
    public static CapacitySearch None { get; } = new(0, DateTime.MinValue, TimeSpan.Zero, [], [], new Dictionary<string, decimal?>(StringComparer.Ordinal));

    /// <summary>Starts an attempt's search at round 1, keeping what earlier attempts learned.</summary>
    public CapacitySearch Restart(DateTime retryDeadline, TimeSpan firstBackoff) =>
        this with { Round = 1, RetryDeadline = retryDeadline, Backoff = firstBackoff };

    /// <summary>Goes on to the next round after a pause of <see cref="Backoff"/>, doubling the pause up to <paramref name="maxBackoff"/>.</summary>
    public CapacitySearch NextRound(TimeSpan maxBackoff) =>
        this with { Round = Round + 1, Backoff = Backoff * 2 < maxBackoff ? Backoff * 2 : maxBackoff };

    /// <summary>Records a launch (or a search) that found no capacity.</summary>
    public CapacitySearch Failed(string error) =>
        this with { CapacityErrors = [.. CapacityErrors.TakeLast(ErrorsKept - 1), error] };

    /// <summary>Blocks the region of an interrupted machine, so the next one comes from elsewhere when it can.</summary>
    public CapacitySearch Block(Instance instance)
    {
        var region = $"{instance.Backend}/{instance.Offer.Region}";
        return BlockedRegions.Contains(region, StringComparer.Ordinal) ? this : this with { BlockedRegions = [.. BlockedRegions, region] };
    }

    /// <summary>Whether <paramref name="offer"/> lies in a blocked region.</summary>
    public bool IsBlocked(InstanceOffer offer) => BlockedRegions.Contains($"{offer.Backend}/{offer.Region}", StringComparer.Ordinal);

    /// <summary>Remembers the on-demand prices among <paramref name="offers"/>.</summary>
    public CapacitySearch WithOnDemandPrices(IEnumerable<InstanceOffer> offers)
    {
        var prices = new Dictionary<string, decimal?>(OnDemandPrices, StringComparer.Ordinal);
        foreach (var offer in offers.Where(o => !o.Spot))
        {
            prices[PriceKey(offer)] = offer.PricePerHour;
        }

        return this with { OnDemandPrices = prices };
    }

    /// <summary>The on-demand price of the machine behind a spot <paramref name="offer"/>, when an offer showed it.</summary>
    public decimal? OnDemandPrice(InstanceOffer offer) => OnDemandPrices.GetValueOrDefault(PriceKey(offer));

    private static string PriceKey(InstanceOffer offer) => $"{offer.Backend}/{offer.Region}/{offer.InstanceType}";
}
