namespace Dstack.Core.Backends;

/// <summary>What a backend is asked to provision.</summary>
/// <param name="Offer">The offer to provision, from the backend's own search.</param>
/// <param name="ClientToken">
/// Unique per run, attempt and try: provisioning again with the same token returns the same machine instead of a second one.
/// </param>
/// <param name="RunName">The run the machine is for; a cloud tags the machine with it, so that a leaked one names its run.</param>
public sealed record ProvisionRequest(InstanceOffer Offer, string ClientToken, string RunName);
