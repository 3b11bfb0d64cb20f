using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// A stand-in for AWS's Price List Bulk API on a loopback port: serves each region's offer file at the real path
/// (<c>/offers/v1.0/aws/AmazonEC2/current/REGION/index.json</c>), and 404 for regions it has none for.
/// </summary>
public sealed class PriceListServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PriceListServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Gets the address to give DSTACK_AWS_PRICE_LIST_URL.</summary>
    public Uri Url { get; }

    public static async Task<PriceListServer> StartAsync(IReadOnlyDictionary<string, string> filesByRegion)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/offers/v1.0/aws/AmazonEC2/current/{region}/index.json", (string region) =>
            filesByRegion.TryGetValue(region, out var file) ? Results.Text(file, "application/json") : Results.NotFound());
        await app.StartAsync();
        return new PriceListServer(app, new Uri(app.Urls.First()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
