using Dstack.Core.Backends;

namespace Dstack.Workflows.Contracts;

/// <summary>Offers cheapest first, and why each backend had none (for the no-capacity message).</summary>
public sealed record FindOffersResult(IReadOnlyList<InstanceOffer> Offers, IReadOnlyList<string> Rejections);
