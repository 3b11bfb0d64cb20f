using System.Text.Json;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// `dstack offers --refresh` as a user runs it: the real dstack process reads the on-demand prices from a price list in
/// AWS's format (served here on a loopback port, named by DSTACK_AWS_PRICE_LIST_URL), writes the refreshed catalog into
/// the dstack folder, and every later `dstack offers` prices on-demand offers from it. Spot prices come from the EC2 emulator.
/// </summary>
[Collection(AwsWorld.Name)]
public sealed class AwsPriceRefreshTests(AwsWorld world)
{
    private static readonly Dictionary<string, string> Files = new()
    {
        ["us-east-1"] = PriceListFiles.Build("us-east-1", ("t3.micro", "0.0105000000"), ("g5.xlarge", "1.0070000000")),
        ["us-west-2"] = PriceListFiles.Build("us-west-2", ("t3.micro", "0.0106000000")),
    };

    [AwsFact]
    public async Task OffersRefresh_PriceListServed_RefreshedPricesOverrideShippedOnes()
    {
        await using var prices = await PriceListServer.StartAsync(Files);
        await using var sandbox = await StartAsync(prices.Url);

        var refresh = await sandbox.DstackAsync("offers", "--refresh");
        var offers = await sandbox.DstackAsync("offers", "--on-demand", "--json");

        Assert.True(refresh.ExitCode == 0, refresh.Output);
        Assert.Contains(Flat("Refreshed the aws on-demand prices of us-east-1, us-west-2 (3 known,"), Flat(refresh.Stdout), StringComparison.Ordinal);
        Assert.True(offers.ExitCode == 0, offers.Output);
        var listed = OnDemandPrices(offers.Stdout);
        Assert.Equal(0.0105m, listed[("us-east-1", "t3.micro")]);
        Assert.Equal(0.0106m, listed[("us-west-2", "t3.micro")]);
        Assert.Equal(1.007m, listed[("us-east-1", "g5.xlarge")]);

        // The shipped catalog priced g5.xlarge in us-west-2; the refreshed price list does not, so it is unknown now.
        Assert.Null(listed[("us-west-2", "g5.xlarge")]);
        var catalog = await File.ReadAllTextAsync(Path.Combine(sandbox.Home, "aws", "ec2-instance-types.json"));
        using var json = JsonDocument.Parse(catalog);
        Assert.Contains("AWS Price List Bulk API", json.RootElement.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Contains(prices.Url.Authority, json.RootElement.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", json.RootElement.GetProperty("date").GetString());

        // A second refresh names the first as the source of other regions' prices, but not what the first named in turn.
        var again = await sandbox.DstackAsync("offers", "--refresh");
        Assert.True(again.ExitCode == 0, again.Output);
        using var second = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(sandbox.Home, "aws", "ec2-instance-types.json")));
        var source = second.RootElement.GetProperty("source").GetString()!;
        Assert.Equal(2, source.Split("AWS Price List Bulk API").Length - 1);
        Assert.Equal(1, source.Split("Other regions:").Length - 1);
    }

    [AwsFact]
    public async Task OffersRefresh_PriceListUnreachable_FailsClearlyAndKeepsTheCatalogInUse()
    {
        var prices = await PriceListServer.StartAsync(Files);
        var url = prices.Url;
        await using var sandbox = await StartAsync(url);
        try
        {
            var first = await sandbox.DstackAsync("offers", "--refresh");
            Assert.True(first.ExitCode == 0, first.Output);
        }
        finally
        {
            await prices.DisposeAsync();
        }

        var path = Path.Combine(sandbox.Home, "aws", "ec2-instance-types.json");
        var before = await File.ReadAllBytesAsync(path);

        // Nothing listens at the address any more: as offline.
        var refresh = await sandbox.DstackAsync("offers", "--refresh");
        var offers = await sandbox.DstackAsync("offers", "--on-demand", "--json");

        Assert.Equal(1, refresh.ExitCode);
        Assert.Contains(Flat("Could not refresh the prices: cannot reach"), Flat(refresh.Output), StringComparison.Ordinal);
        Assert.Contains($"{url.Authority}/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json", Flat(refresh.Output), StringComparison.Ordinal);
        Assert.Contains(Flat("Nothing was changed"), Flat(refresh.Output), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refresh.Output, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.True(offers.ExitCode == 0, offers.Output);
        Assert.Equal(0.0105m, OnDemandPrices(offers.Stdout)[("us-east-1", "t3.micro")]);
    }

    /// <summary>The text without white space: the console wraps long lines where it likes.</summary>
    private static string Flat(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    private static Dictionary<(string Region, string Type), decimal?> OnDemandPrices(string offersJson)
    {
        using var json = JsonDocument.Parse(offersJson);
        return json.RootElement.GetProperty("offers").EnumerateArray()
            .Where(o => o.GetProperty("backend").GetString() == "aws")
            .ToDictionary(
                o => (o.GetProperty("region").GetString()!, o.GetProperty("instance_type").GetString()!),
                o => o.GetProperty("price_per_hour").ValueKind == JsonValueKind.Null ? (decimal?)null : o.GetProperty("price_per_hour").GetDecimal());
    }

    private Task<DstackSandbox> StartAsync(Uri priceList) => DstackSandbox.CreateAsync(async sandbox =>
    {
        sandbox.Environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        sandbox.Environment["AWS_SECRET_ACCESS_KEY"] = "secret";
        sandbox.Environment["DSTACK_AWS_PRICE_LIST_URL"] = priceList.ToString();
        await File.WriteAllTextAsync(Path.Combine(sandbox.Home, "config.yml"), $"""
            backends:
              - type: aws
                regions: [us-east-1, us-west-2]
                endpoint: {world.Emulator.Endpoint}
                ssh_user: root

            """);
    });
}
