namespace Dstack.Core.Backends;

/// <summary>The offers of one backend that fit a request, and why the others do not (for messages when none fits).</summary>
/// <param name="Unavailable">
/// How many of the backend's machines could run the request but cannot take it now: every slot is taken, or the machine
/// does not answer. A run waits for those (the capacity queue); when there are none and no offer, it fits nowhere.
/// </param>
public sealed record OfferSearch(IReadOnlyList<InstanceOffer> Offers, IReadOnlyList<string> Rejections, int Unavailable = 0);
