namespace Dstack.Core.Backends;

/// <summary>A machine a backend can provide, with its price per hour (null when unknown or free).</summary>
/// <param name="Labels">The user's labels for the machine (an SSH host's <c>labels</c>), or null.</param>
public sealed record InstanceOffer(
    string Backend,
    string Region,
    string InstanceType,
    MachineResources Resources,
    decimal? PricePerHour,
    bool Spot,
    string Availability,
    IReadOnlyList<string>? Labels = null);
