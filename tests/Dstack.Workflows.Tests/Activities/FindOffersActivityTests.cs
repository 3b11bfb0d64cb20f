using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Contracts;
using Temporalio.Testing;

namespace Dstack.Workflows.Tests.Activities;

/// <summary>The offer search activity on its own (Temporal's <see cref="ActivityEnvironment"/>): which offers a run may take, in which order.</summary>
public sealed class FindOffersActivityTests : IDisposable
{
    private static readonly InstanceOffer EastOnDemand = Offer("aws", "us-east-1", spot: false, 1.00m);
    private static readonly InstanceOffer EastSpot = Offer("aws", "us-east-1", spot: true, 0.30m);
    private static readonly InstanceOffer WestSpot = Offer("aws", "us-west-2", spot: true, 0.25m);
    private static readonly InstanceOffer WestUnpriced = Offer("aws", "us-west-2", spot: false, null);
    private static readonly InstanceOffer Host = Offer("ssh", "gpu-1", spot: false, 0m);

    private readonly LocalStorage _storage = new(Directory.CreateTempSubdirectory("dstack-offers-").FullName);

    public void Dispose() => Directory.Delete(_storage.Location, recursive: true);

    [Theory]
    [InlineData(SpotPolicy.Spot, new[] { "us-west-2 spot", "us-east-1 spot" })]
    [InlineData(SpotPolicy.OnDemand, new[] { "us-east-1 on-demand", "us-west-2 on-demand" })]
    [InlineData(SpotPolicy.Auto, new[] { "us-west-2 spot", "us-east-1 spot", "us-east-1 on-demand", "us-west-2 on-demand" })]
    public async Task FindOffers_SpotPolicy_KeepsItsMarketsCheapestFirstUnknownPriceLast(SpotPolicy policy, string[] expected)
    {
        var result = await FindAsync([new CloudOfferBackend("aws", [EastOnDemand, EastSpot, WestSpot, WestUnpriced])], Input(policy));
        Assert.Equal(expected, result.Offers.Select(Describe));
    }

    [Fact]
    public async Task FindOffers_Regions_LimitTheCloudOnlyNotTheHosts()
    {
        var backends = new IBackend[] { new CloudOfferBackend("aws", [EastOnDemand, WestSpot]), new OfferBackend("ssh", [Host]) };
        var result = await FindAsync(backends, Input(SpotPolicy.Auto) with { Regions = ["us-west-2"] });
        Assert.Equal(["gpu-1 on-demand", "us-west-2 spot"], result.Offers.Select(Describe));
    }

    [Fact]
    public async Task FindOffers_MaxPrice_DropsDearerAndUnknownPricesAndSaysSo()
    {
        var result = await FindAsync([new CloudOfferBackend("aws", [EastOnDemand, EastSpot, WestSpot, WestUnpriced])], Input(SpotPolicy.Auto) with { MaxPrice = 0.5m });
        Assert.Equal(["us-west-2 spot", "us-east-1 spot"], result.Offers.Select(Describe));
        Assert.Equal(["aws: 1 offers with an unknown price left out by max_price 0.5"], result.Rejections);
    }

    [Fact]
    public async Task FindOffers_OnlyUnconfiguredBackendsAllowed_NoOfferAndNamesWhatIsConfigured()
    {
        var result = await FindAsync([new OfferBackend("ssh", [Host], ["ssh: gpu-2 is busy"])], Input(SpotPolicy.Auto) with { Backends = ["aws"] });
        Assert.Empty(result.Offers);
        Assert.Equal(["none of the backends the workflow allows (aws) is configured; configured: ssh"], result.Rejections);
    }

    [Fact]
    public async Task FindOffers_BackendRejections_PassedOnWithTheOffers()
    {
        var result = await FindAsync([new OfferBackend("ssh", [Host], ["ssh: gpu-2 is busy"])], Input(SpotPolicy.OnDemand));
        Assert.Equal(["gpu-1 on-demand"], result.Offers.Select(Describe));
        Assert.Equal(["ssh: gpu-2 is busy"], result.Rejections);
    }

    private static FindOffersInput Input(SpotPolicy policy) => new(ResourceRequest.None, [], null, policy);

    private static InstanceOffer Offer(string backend, string region, bool spot, decimal? price) =>
        new(backend, region, backend + "-type", new MachineResources(8, 16L << 30, [], 100L << 30), price, spot, "available");

    private static string Describe(InstanceOffer offer) => $"{offer.Region} {(offer.Spot ? "spot" : "on-demand")}";

    private Task<FindOffersResult> FindAsync(IReadOnlyList<IBackend> backends, FindOffersInput input)
    {
        var activities = new RunActivities(new BackendRegistry(backends), _storage);
        return new ActivityEnvironment().RunAsync(() => activities.FindOffersAsync(input));
    }
}
