namespace Dstack.Core.Backends;

/// <summary>A machine a backend can provide, with its price per hour (null when unknown or free).</summary>
public sealed record InstanceOffer(
    string Backend,
    string Region,
    string InstanceType,
    MachineResources Resources,
    decimal? PricePerHour,
    bool Spot,
    string Availability);
