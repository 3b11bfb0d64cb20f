using Dstack.Core.Backends;

namespace Dstack.Workflows.Contracts;

/// <summary>Offers cheapest first, and why each backend had none (for the no-capacity message).</summary>
/// <param name="Unavailable">Machines with fixed slots that could run the request but are full or not answering now.</param>
/// <param name="CloudSearched">Whether a cloud backend was searched: a cloud has no fixed slots, so its capacity is retried with backoff.</param>
/// <param name="FixedSlotBackends">The backends searched whose machines have fixed slots (<c>ssh</c>): a run that gives one back tells the capacity queue.</param>
public sealed record FindOffersResult(
    IReadOnlyList<InstanceOffer> Offers,
    IReadOnlyList<string> Rejections,
    int Unavailable = 0,
    bool CloudSearched = false,
    IReadOnlyList<string>? FixedSlotBackends = null)
{
    /// <summary>Gets a value indicating whether nothing could ever run the request: no offer, nothing to wait for, no cloud to ask again.</summary>
    public bool FitsNowhere => Offers.Count == 0 && Unavailable == 0 && !CloudSearched;

    /// <summary>Gets a value indicating whether a run that found no capacity waits in the capacity queue rather than backing off.</summary>
    public bool Queues => !CloudSearched && !FitsNowhere;
}
