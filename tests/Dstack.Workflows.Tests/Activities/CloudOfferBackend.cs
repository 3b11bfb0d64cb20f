using Dstack.Core.Backends;

namespace Dstack.Workflows.Tests.Activities;

/// <summary>A cloud (<see cref="ICloudBackend"/>) that only answers offer searches: the region filter applies to clouds alone.</summary>
public sealed class CloudOfferBackend(string name, IReadOnlyList<InstanceOffer> offers) : OfferBackend(name, offers), ICloudBackend
{
    public Task ReleaseByClientTokenAsync(InstanceOffer offer, string clientToken, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<InterruptionNotice?> CheckInterruptionAsync(Instance instance, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<TaggedMachine>> ListMachinesAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task TerminateAsync(TaggedMachine machine, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
