using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Dstack.Backends.Aws.Catalog;
using Dstack.Core.Configuration;

namespace Dstack.Backends.Aws.Tests.Catalog;

/// <summary>The catalog's unknown prices, the price list reader, and the refreshed catalog that overrides the shipped one.</summary>
public sealed class Ec2CatalogTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("dstack-catalog-");

    public void Dispose() => _home.Delete(recursive: true);

    [Fact]
    public void Load_EveryGpuOfTheShippedCatalog_IsAKnownGpuName()
    {
        var gpus = Ec2Catalog.Load().Types.Select(t => t.GpuName).OfType<string>().Distinct().ToList();

        Assert.NotEmpty(gpus);
        Assert.All(gpus, gpu => Assert.True(KnownGpus.IsKnown(gpu), $"{gpu} is missing from KnownGpus.Names"));
    }

    [Fact]
    public void Parse_NullAndMissingPrices_Unknown()
    {
        var json = """
            {"source": "s", "date": "2026-11-28", "instanceTypes": [
              {"name": "t3.micro", "vcpus": 2, "memoryGiB": 1, "onDemandPrice": {"us-east-1": null, "us-west-2": "0.0104"}}]}
            """;

        var catalog = Ec2Catalog.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)));

        var type = Assert.Single(catalog.Types);
        Assert.Equal(["us-west-2"], type.OnDemandPrices.Keys);
        Assert.Equal(0.0104m, type.OnDemandPrices["us-west-2"]);
    }

    [Fact]
    public async Task ReadAsync_RealFormat_TakesOnlyLinuxSharedOnDemandHourly()
    {
        var file = PriceListFiles.Build("us-east-1", ("t3.micro", "0.0104000000"), ("g5.xlarge", "1.0060000000"), ("x9.huge", "99.0000000000"));

        var (prices, published) = await Ec2PriceList.ReadAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(file)), new HashSet<string>(["t3.micro", "g5.xlarge", "p5.48xlarge"], StringComparer.Ordinal), CancellationToken.None);

        Assert.Equal(new Dictionary<string, decimal> { ["t3.micro"] = 0.0104m, ["g5.xlarge"] = 1.006m }, prices);
        Assert.Equal("2026-11-01T00:00:00Z", published);
    }

    [Fact]
    public async Task ReadAsync_NotAPriceList_ThrowsJsonException()
    {
        await Assert.ThrowsAnyAsync<JsonException>(() => Ec2PriceList.ReadAsync(
            new MemoryStream(Encoding.UTF8.GetBytes("""{"message": "Access Denied"}""")), new HashSet<string>(StringComparer.Ordinal), CancellationToken.None));
    }

    [Fact]
    public async Task Load_RefreshedCatalogInHome_OverridesShippedPricesKeepsShippedTypes()
    {
        var shipped = Ec2Catalog.Load();
        var refreshed = shipped.WithPrices(
            ["us-east-1", "eu-west-1"],
            new Dictionary<string, IReadOnlyDictionary<string, decimal>>
            {
                ["us-east-1"] = new Dictionary<string, decimal> { ["t3.micro"] = 0.0111m },
                ["eu-west-1"] = new Dictionary<string, decimal> { ["g5.xlarge"] = 1.123m },
            },
            "refreshed source",
            "2026-11-28");
        await refreshed.WriteAsync(Ec2Catalog.RefreshedPath(_home.FullName), ["us-east-1", "eu-west-1"], CancellationToken.None);

        var loaded = Ec2Catalog.Load(_home.FullName);

        Assert.Equal("refreshed source", loaded.Source);
        Assert.Equal(shipped.Types.Select(t => t.Name), loaded.Types.Select(t => t.Name));
        Assert.Equal(0.0111m, loaded.Types.Single(t => t.Name == "t3.micro").OnDemandPrices["us-east-1"]);
        var g5 = loaded.Types.Single(t => t.Name == "g5.xlarge");
        Assert.Equal(1.123m, g5.OnDemandPrices["eu-west-1"]);

        // Refreshed regions the price list did not price are unknown; regions not refreshed keep the shipped price.
        Assert.False(g5.OnDemandPrices.ContainsKey("us-east-1"));
        Assert.Equal(shipped.Types.Single(t => t.Name == "g5.xlarge").OnDemandPrices["us-west-2"], g5.OnDemandPrices["us-west-2"]);
        Assert.Equal(shipped.Types.Single(t => t.Name == "p4d.24xlarge").MemoryBytes, loaded.Types.Single(t => t.Name == "p4d.24xlarge").MemoryBytes);
    }

    [Fact]
    public async Task Load_UnreadableRefreshedCatalog_ShippedCatalog()
    {
        var path = Ec2Catalog.RefreshedPath(_home.FullName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "{ not json");

        var loaded = Ec2Catalog.Load(_home.FullName);

        Assert.Equal(Ec2Catalog.Load().Source, loaded.Source);
    }

    [Fact]
    public async Task RefreshAsync_NothingListening_ThrowsNamingTheAddressAndWritesNothing()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<PriceListUnavailableException>(() => AwsPriceRefresher.RefreshAsync(
            _home.FullName, ["us-east-1"], new Uri($"http://127.0.0.1:{port}/"), TimeProvider.System));

        Assert.Contains($"127.0.0.1:{port}/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Ec2Catalog.RefreshedPath(_home.FullName)));
    }

    [Fact]
    public async Task Current_RefreshWrittenAfterFirstUse_ReloadedWithTheNewPrices()
    {
        var source = new Ec2CatalogSource(_home.FullName);
        var before = source.Current;
        var refreshed = before.WithPrices(
            ["us-east-1"], new Dictionary<string, IReadOnlyDictionary<string, decimal>> { ["us-east-1"] = new Dictionary<string, decimal> { ["t3.micro"] = 0.0111m } }, "refreshed", "2026-11-28");

        await refreshed.WriteAsync(Ec2Catalog.RefreshedPath(_home.FullName), ["us-east-1"], CancellationToken.None);
        var after = source.Current;

        Assert.False(before.Types.Single(t => t.Name == "t3.micro").OnDemandPrices.ContainsKey("us-east-1"));
        Assert.Equal("refreshed", after.Source);
        Assert.Equal(0.0111m, after.Types.Single(t => t.Name == "t3.micro").OnDemandPrices["us-east-1"]);
        Assert.Same(after, source.Current);
    }
}
