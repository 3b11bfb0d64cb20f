using Dstack.Core.Backends;

namespace Dstack.Cli;

/// <summary>What one configured backend offers now.</summary>
/// <param name="Backend">The backend's name.</param>
/// <param name="Search">Its offers, and why it has none for the rest.</param>
internal sealed record BackendOffers(string Backend, OfferSearch Search);
