using Dstack.Backends.Aws.Catalog;
using Dstack.Core.Backends;
using Dstack.Core.Runs;

namespace Dstack.Backends.Aws.Tests;

/// <summary>The aws backend against the EC2 emulator: offers, provisioning, jobs through SSH, interruption, release.</summary>
[Collection(Ec2CollectionDefinition.Name)]
public sealed class Ec2BackendTests(Ec2EmulatorFixture fixture)
{
    private static readonly ResourceRequest OneCpu = new() { CpuMin = 1, CpuMax = 2, MemoryMaxBytes = 4L * 1024 * 1024 * 1024 };

    private Ec2Backend Backend(string name, Ec2Catalog? catalog = null)
    {
        var options = new AwsBackendOptions(Directory.CreateDirectory(Path.Combine(fixture.Folder.FullName, name)).FullName, ["us-east-1", "us-west-2"], "tester")
        {
            Endpoint = fixture.Emulator.Endpoint,
            SshUser = "root",
            BootPollInterval = TimeSpan.FromMilliseconds(100),
            BootTimeout = TimeSpan.FromSeconds(60),
        };
        var types = catalog ?? Ec2Catalog.Load();
        return new Ec2Backend(options, () => types, region => fixture.Client(region), AwsBackendServiceCollectionExtensions.ShellFactory(options), TimeProvider.System);
    }

    [Fact]
    public void Load_ShippedCatalog_HasGpuFamiliesSourceAndNoGuessedPrices()
    {
        var catalog = Ec2Catalog.Load();

        Assert.Contains(catalog.Types, t => t.Name == "p4d.24xlarge" && t.GpuName == "A100" && t.GpuCount == 8);
        Assert.All(new[] { "g4dn", "g5", "g6", "g6e", "p3", "p4d", "p5" }, family => Assert.Contains(catalog.Types, t => t.Name.StartsWith(family + ".", StringComparison.Ordinal)));
        Assert.Empty(catalog.Types.Single(t => t.Name == "t3.micro").OnDemandPrices);
        Assert.Equal(["us-east-1"], catalog.Types.Single(t => t.Name == "t3.medium").OnDemandPrices.Keys);
        Assert.Equal(0.526m, catalog.Types.Single(t => t.Name == "g4dn.xlarge").OnDemandPrices["us-east-1"]);
        Assert.Equal(21.957642m, catalog.Types.Single(t => t.Name == "p4d.24xlarge").OnDemandPrices["us-east-1"]);
        Assert.All(catalog.Types.SelectMany(t => t.OnDemandPrices.Values), p => Assert.True(p > 0));
        Assert.False(string.IsNullOrWhiteSpace(catalog.Source));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", catalog.Date);
    }

    [Ec2Fact]
    public async Task GetOffersAsync_A100_OnDemandPriceUnknownAndLiveSpotPrices()
    {
        // A catalog that knows no price in the two regions (as a refresh that found none would leave it).
        var unknown = Ec2Catalog.Load().WithPrices(["us-east-1", "us-west-2"], new Dictionary<string, IReadOnlyDictionary<string, decimal>>(), "test", "2026-11-28");
        using var backend = Backend("offers", unknown);
        fixture.Emulator.SetSpotPrice("us-west-2", "p4d.24xlarge", 9.8765m);

        var search = await backend.GetOffersAsync(new ResourceRequest { GpuNames = ["A100"] });

        var onDemand = search.Offers.Where(o => !o.Spot).ToList();
        Assert.Equal(["us-east-1", "us-west-2"], onDemand.Select(o => o.Region).Order());
        Assert.All(onDemand, o => Assert.Null(o.PricePerHour));
        Assert.Equal(9.8765m, search.Offers.Single(o => o.Spot && o.Region == "us-west-2").PricePerHour);
        Assert.All(search.Offers, o => Assert.Equal("p4d.24xlarge", o.InstanceType));
    }

    [Ec2Fact]
    public async Task ProvisionAsync_SpotInterrupted_JobRunsOverSshThenMetadataNoticeIsSeenAndReleaseTerminates()
    {
        using var backend = Backend("spot");
        var offer = (await backend.GetOffersAsync(OneCpu)).Offers.Where(o => o.Spot && o.Region == "us-east-1").OrderBy(o => o.PricePerHour).First();

        var instance = await backend.ProvisionAsync(new ProvisionRequest(offer, "backend-spot-1", "run-spot"));
        var again = await backend.ProvisionAsync(new ProvisionRequest(offer, "backend-spot-1", "run-spot"));
        await using (var shell = await backend.ConnectAsync(instance))
        {
            var echo = await shell.RunAsync("echo hello from $(hostname -I 2>/dev/null || echo ns)");
            Assert.Equal(0, echo.ExitCode);
            Assert.Contains("hello from", echo.Stdout, StringComparison.Ordinal);
        }

        var quiet = await backend.CheckInterruptionAsync(instance);
        fixture.Emulator.Interrupt(instance.InstanceId, TimeSpan.FromSeconds(30));
        var notice = await backend.CheckInterruptionAsync(instance);
        await backend.ReleaseAsync(instance);

        Assert.Equal(instance.InstanceId, again.InstanceId);
        Assert.Null(quiet);
        Assert.Equal("metadata", notice?.Source);
        var emulated = fixture.Emulator.Instances.Single(i => i.InstanceId == instance.InstanceId);
        Assert.Equal("run-spot", emulated.Tags["dstack:run"]);
        Assert.Equal("tester", emulated.Tags["dstack:owner"]);
        Assert.True(emulated.Spot);
        Assert.Contains(fixture.Emulator.IngressRules, r => r == "dstack tcp 22-22 127.0.0.1/32");
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Emulator.Ledger.Single(e => e.InstanceId == instance.InstanceId).Live == false), TimeSpan.FromSeconds(10), "billing to stop");
    }

    [Ec2Fact]
    public async Task CheckInterruptionAsync_InstanceGone_SeenFromApiStateReason()
    {
        using var backend = Backend("api");
        var offer = (await backend.GetOffersAsync(OneCpu)).Offers.First(o => o.Spot && o.Region == "us-west-2");
        var instance = await backend.ProvisionAsync(new ProvisionRequest(offer, "backend-api-1", "run-api"));

        fixture.Emulator.Interrupt(instance.InstanceId, TimeSpan.Zero);
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Emulator.Instances.Single(i => i.InstanceId == instance.InstanceId).State == "terminated"), TimeSpan.FromSeconds(20), "the instance to end");
        var notice = await backend.CheckInterruptionAsync(instance);
        await backend.ReleaseAsync(instance);

        Assert.Equal("api", notice?.Source);
        Assert.Contains("Spot", notice!.Message, StringComparison.Ordinal);
    }

    [Ec2Fact]
    public async Task ProvisionAsync_NoCapacity_ThrowsNoCapacityAndLeavesNothing()
    {
        using var backend = Backend("nocap");
        var offer = (await backend.GetOffersAsync(OneCpu)).Offers.First(o => !o.Spot && o.Region == "us-east-1" && o.PricePerHour is not null);
        fixture.Emulator.RemoveCapacity("us-east-1", offer.InstanceType, spot: false);
        try
        {
            var e = await Assert.ThrowsAsync<NoCapacityException>(() => backend.ProvisionAsync(new ProvisionRequest(offer, "backend-nocap-1", "run-nocap")));

            Assert.Contains("InsufficientInstanceCapacity", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Emulator.Instances, i => i.ClientToken == "backend-nocap-1");
        }
        finally
        {
            fixture.Emulator.RestoreCapacity();
        }
    }

    [Ec2Fact]
    public async Task ReleaseByClientTokenAsync_LaunchedButNotReturned_TerminatesAndListMachinesNoLongerShowsIt()
    {
        using var backend = Backend("token");
        var offer = (await backend.GetOffersAsync(OneCpu)).Offers.First(o => !o.Spot && o.Region == "us-east-1" && o.PricePerHour is not null);
        var instance = await backend.ProvisionAsync(new ProvisionRequest(offer, "backend-token-1", "run-token"));
        var listed = await backend.ListMachinesAsync();

        await backend.ReleaseByClientTokenAsync(offer, "backend-token-1");
        var after = await backend.ListMachinesAsync();

        Assert.Contains(listed, m => m.InstanceId == instance.InstanceId && m.Run == "run-token" && m.Owner == "tester");
        Assert.DoesNotContain(after, m => m.InstanceId == instance.InstanceId);
    }
}
