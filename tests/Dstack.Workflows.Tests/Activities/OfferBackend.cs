using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Dstack.Core.Runs;

namespace Dstack.Workflows.Tests.Activities;

/// <summary>A backend that only answers offer searches, with the offers and notes it was given; the rest is not for these tests.</summary>
public class OfferBackend(string name, IReadOnlyList<InstanceOffer> offers, IReadOnlyList<string>? rejections = null) : IBackend
{
    public string Name => name;

    public Task<OfferSearch> GetOffersAsync(ResourceRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new OfferSearch(offers, rejections ?? []));

    public Task<Instance> ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task ReleaseAsync(Instance instance, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IInstanceShell> ConnectAsync(Instance instance, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
