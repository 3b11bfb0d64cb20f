using System.Net;
using System.Net.Sockets;
using Amazon.EC2;
using Amazon.Runtime;
using Dstack.Backends.Aws.Catalog;
using Dstack.Core.Runs;

namespace Dstack.Backends.Aws.Tests;

/// <summary>Offers when the EC2 API cannot be reached: the catalog's on-demand offers stay, each region says why spot is missing.</summary>
public sealed class Ec2BackendUnreachableTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("dstack-aws-unreachable-");

    public void Dispose() => _home.Delete(recursive: true);

    [Fact]
    public async Task GetOffersAsync_ConnectionRefused_OnDemandOffersAndANotePerRegion()
    {
        var endpoint = new Uri($"http://127.0.0.1:{ClosedPort()}");
        var options = new AwsBackendOptions(_home.FullName, ["us-east-1", "us-west-2"], "tester") { Endpoint = endpoint };
        var catalog = Ec2Catalog.Load();
        using var backend = new Ec2Backend(
            options,
            () => catalog,
            region => new AmazonEC2Client(
                new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
                new AmazonEC2Config { ServiceURL = endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = 0 }),
            AwsBackendServiceCollectionExtensions.ShellFactory(options),
            TimeProvider.System);

        var search = await backend.GetOffersAsync(new ResourceRequest { GpuNames = ["T4"], GpuCountMin = 1, GpuCountMax = 1 });

        Assert.NotEmpty(search.Offers);
        Assert.All(search.Offers, o => Assert.False(o.Spot));
        Assert.Contains(search.Offers, o => o.Region == "us-east-1" && o.InstanceType == "g4dn.xlarge" && o.PricePerHour == 0.526m);
        Assert.Equal(2, search.Rejections.Count);
        Assert.All(["us-east-1", "us-west-2"], region => Assert.Contains(search.Rejections, r =>
            r.StartsWith($"aws: {region}: cannot read spot prices (", StringComparison.Ordinal)
            && r.Contains("refused", StringComparison.OrdinalIgnoreCase)
            && r.EndsWith("so its spot offers are left out", StringComparison.Ordinal)));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
