using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dstack.Backends.Aws.Catalog;
using Dstack.Core.Backends;
using Dstack.Core.Runs;

namespace Dstack.Cli.Tests.Commands;

public sealed class OffersCommandTests
{
    [Fact]
    public async Task Offers_NoBackendsConfigured_ListsThisMachine()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("offers");

        Assert.Equal(0, exitCode);
        Assert.Contains("local", output, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} CPU"), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offers_SshHostNotAnswering_NoteNamesTheHost()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await File.WriteAllTextAsync(Path.Combine(home.Root, "config.yml"), $"""
            backends:
              - type: local
              - type: ssh
                hosts:
                  - host: 127.0.0.1
                    port: {port}
                    user: nobody
                    identity_file: {Path.Combine(home.Root, "key")}
            """);
        await File.WriteAllTextAsync(Path.Combine(home.Root, "key"), "not a key");

        var (exitCode, output) = await home.RunAsync("offers", "--json");

        Assert.Equal(0, exitCode);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal("local", Assert.Single(json.RootElement.GetProperty("offers").EnumerateArray()).GetProperty("backend").GetString());
        var note = Assert.Single(json.RootElement.GetProperty("notes").EnumerateArray()).GetString();
        Assert.Contains($"nobody@127.0.0.1:{port}", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offers_BadConfigFile_PrintsEachErrorAsTheWorkflowsFileDoesAndExitsOne()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        var file = Path.Combine(home.Root, "config.yml");
        await File.WriteAllTextAsync(file, "backends:\n  - type: ssh\n    hosts:\n      - host: a\n        prot: 22\n");

        var (exitCode, output) = await home.RunAsync("offers");

        Assert.Equal(1, exitCode);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains($"{file}:5:9: backends[0].hosts[0].prot: unknown key 'prot'; did you mean 'port'?", lines);
        Assert.Contains("1 configuration error", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    private static readonly MachineResources Box = new(4, 16L * 1024 * 1024 * 1024, [], 100L * 1024 * 1024 * 1024);

    private static Func<Spectre.Console.IAnsiConsole, CliContext> WithOffers(TestHome home, params InstanceOffer[] offers) =>
        console => home.CreateContext(console) with
        {
            FindOffersAsync = (_, _) => Task.FromResult<IReadOnlyList<BackendOffers>>([new BackendOffers("aws", new OfferSearch(offers, []))]),
        };

    private static InstanceOffer Offer(string type, decimal? price, bool spot = false) =>
        new("aws", "us-east-1", type, Box, price, spot, price is null ? "price-unknown" : "available");

    [Fact]
    public async Task Offers_UnknownOnDemandPrices_ShownUnknownAndRankedAfterKnownOnes()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        var create = WithOffers(home, Offer("m5.xlarge", null), Offer("g5.xlarge", 1.006m), Offer("m5.xlarge", 0.05m, spot: true), Offer("c5.xlarge", null));

        var (exitCode, output) = await CliRunner.RunAsync(create, "offers", "--json");
        var (tableExit, table) = await CliRunner.RunAsync(create, "offers");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        var listed = json.RootElement.GetProperty("offers").EnumerateArray().ToList();
        Assert.Equal(["m5.xlarge", "g5.xlarge", "m5.xlarge", "c5.xlarge"], listed.Select(o => o.GetProperty("instance_type").GetString()));
        Assert.Equal(JsonValueKind.Null, listed[2].GetProperty("price_per_hour").ValueKind);
        Assert.Equal(JsonValueKind.Null, listed[0].GetProperty("on_demand_price_per_hour").ValueKind);
        Assert.Equal(0, tableExit);
        var c5 = Assert.Single(table.Split('\n'), l => l.Contains("c5.xlarge", StringComparison.Ordinal));
        Assert.Contains("unknown", c5, StringComparison.Ordinal);
        Assert.True(table.IndexOf("g5.xlarge", StringComparison.Ordinal) < table.IndexOf("c5.xlarge", StringComparison.Ordinal), table);
    }

    [Fact]
    public async Task Offers_MaxPrice_LeavesUnknownPricesOutAndSaysSo()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        var create = WithOffers(home, Offer("m5.xlarge", null), Offer("g5.xlarge", 1.006m), Offer("t3.medium", 0.0416m), Offer("c5.xlarge", null));

        var (exitCode, output) = await CliRunner.RunAsync(create, "offers", "--max-price", "1", "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["t3.medium"], json.RootElement.GetProperty("offers").EnumerateArray().Select(o => o.GetProperty("instance_type").GetString()));
        var note = Assert.Single(json.RootElement.GetProperty("notes").EnumerateArray()).GetString();
        Assert.Equal("2 offers with an unknown price left out by --max-price 1", note);
    }

    [Fact]
    public async Task Offers_RefreshWithoutAwsBackend_FailsSayingWhatToConfigure()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("offers", "--refresh");

        Assert.Equal(2, exitCode);
        Assert.Contains("no configured backend has a public price list", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offers_RefreshFails_ClearMessageAndNoOffersListed()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        var listed = false;
        Func<Spectre.Console.IAnsiConsole, CliContext> create = console => home.CreateContext(console) with
        {
            RefreshPricesAsync = _ => throw new PriceListUnavailableException("cannot reach https://pricing.example/offers: Name or service not known", null),
            FindOffersAsync = (_, _) =>
            {
                listed = true;
                return Task.FromResult<IReadOnlyList<BackendOffers>>([]);
            },
        };

        var (exitCode, output) = await CliRunner.RunAsync(create, "offers", "--refresh");

        Assert.Equal(1, exitCode);
        Assert.Contains("Could not refresh the prices: cannot reach https://pricing.example/offers", output, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", output, StringComparison.Ordinal);
        Assert.False(listed);
    }

    [Fact]
    public async Task Offers_ResourceOptions_ReadAsRunReadsThem()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        var requests = new List<ResourceRequest>();
        Func<Spectre.Console.IAnsiConsole, CliContext> create = console => home.CreateContext(console) with
        {
            FindOffersAsync = (request, _) =>
            {
                requests.Add(request);
                return Task.FromResult<IReadOnlyList<BackendOffers>>([]);
            },
        };

        var (fullExit, fullOutput) = await CliRunner.RunAsync(create, "offers", "--gpu", "A100:80GB:2", "--cpu", "8..", "--memory", "64GB..", "--disk", "200GB..");
        var (memoryExit, memoryOutput) = await CliRunner.RunAsync(create, "offers", "--gpu", "24GB..");

        Assert.True(fullExit == 0, fullOutput);
        Assert.True(memoryExit == 0, memoryOutput);
        Assert.Equal(2, requests.Count);
        var full = requests[0];
        Assert.Equal(["A100"], full.GpuNames);
        Assert.Equal((2, 2), (full.GpuCountMin, full.GpuCountMax));
        Assert.Equal(80L << 30, full.GpuMemoryMinBytes);
        Assert.Equal(8, full.CpuMin);
        Assert.Equal(64L << 30, full.MemoryMinBytes);
        Assert.Equal(200L << 30, full.DiskMinBytes);
        var memory = requests[1];
        Assert.Empty(memory.GpuNames);
        Assert.Equal(24L << 30, memory.GpuMemoryMinBytes);
        Assert.Null(memory.GpuMemoryMaxBytes);
        Assert.True(memory.WantsGpu);
    }

    [Theory]
    [InlineData("--gpu", "banana")]
    [InlineData("--gpu", "A100,banana:2")]
    public async Task Offers_UnknownGpuName_ExitTwoSayingWhichExist(string option, string value)
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("offers", option, value);

        Assert.True(exitCode == 2, $"exit {exitCode}: {output}");
        Assert.Contains("--gpu: unknown GPU name 'banana'", output, StringComparison.Ordinal);
        Assert.Contains("A100", output[output.IndexOf("the known GPU names are", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offers_AwsApiUnreachable_ListsCatalogOnDemandOffersCheapestFirstWithANotePerRegion()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await File.WriteAllTextAsync(Path.Combine(home.Root, "config.yml"), $"""
            backends:
              - type: aws
                regions: [us-east-1, us-west-2]
                endpoint: http://127.0.0.1:{port}
            """);

        var (exitCode, output) = await home.RunAsync("offers", "--gpu", "T4", "--json");
        var (onDemandExit, table) = await home.RunAsync("offers", "--on-demand");

        Assert.True(exitCode == 0, output);
        using var json = JsonDocument.Parse(output);
        var offers = json.RootElement.GetProperty("offers").EnumerateArray().ToList();
        Assert.NotEmpty(offers);
        Assert.All(offers, o => Assert.False(o.GetProperty("spot").GetBoolean()));
        Assert.Contains(offers, o => o.GetProperty("instance_type").GetString() == "g4dn.xlarge" && o.GetProperty("price_per_hour").GetDecimal() == 0.526m);
        var prices = offers.Select(o => o.GetProperty("price_per_hour")).Where(p => p.ValueKind == JsonValueKind.Number).Select(p => p.GetDecimal()).ToList();
        Assert.Equal(prices.Order(), prices);
        var notes = json.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.All(["us-east-1", "us-west-2"], region => Assert.Contains(notes, n => n.StartsWith($"aws: {region}: cannot read spot prices (", StringComparison.Ordinal)));

        // Refused, or (with no AWS credentials around the test) refused before connecting: either way one line.
        Assert.All(notes, n => Assert.DoesNotContain('\n', n));
        Assert.True(onDemandExit == 0, table);
        Assert.Contains("g4dn.xlarge", table, StringComparison.Ordinal);
        Assert.Contains("cannot read spot prices", string.Join(' ', table.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", table, StringComparison.Ordinal);
    }
}
