namespace Dstack.Core.Backends;

/// <summary>The offers of one backend that fit a request, and why the others do not (for messages when none fits).</summary>
public sealed record OfferSearch(IReadOnlyList<InstanceOffer> Offers, IReadOnlyList<string> Rejections);
