using Dstack.Core.Backends;

namespace Dstack.Workflows.Contracts;

/// <summary>One offer to provision; <paramref name="ClientToken"/> is unique per run and attempt so a retried activity never makes a second machine.</summary>
/// <param name="RunName">The run, for the cloud's tags.</param>
public sealed record ProvisionInput(InstanceOffer Offer, string ClientToken, string? RunName = null);
