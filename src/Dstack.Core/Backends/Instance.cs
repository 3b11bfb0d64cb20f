namespace Dstack.Core.Backends;

/// <summary>A provisioned machine. Plain values, so that workflows can hold it and release it later.</summary>
/// <param name="Backend">The backend that owns it.</param>
/// <param name="InstanceId">The backend's ID of the machine (an EC2 instance ID, a host name, <c>local</c>).</param>
/// <param name="Offer">The offer it was provisioned from.</param>
public sealed record Instance(string Backend, string InstanceId, InstanceOffer Offer);
