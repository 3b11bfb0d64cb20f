using System.Globalization;
using System.Text.Json;
using Dstack.Core.Backends;

namespace Dstack.Backends.Aws.Catalog;

/// <summary>
/// <c>dstack offers --refresh</c> for the aws backend: reads the on-demand prices of the catalog's instance types in the
/// configured regions from AWS's public price list (the Price List Bulk API, no credentials needed) and writes a refreshed
/// catalog into the dstack folder, which from then on overrides the shipped prices. All regions are read before anything
/// is written: a refresh that fails anywhere changes nothing.
/// </summary>
public static class AwsPriceRefresher
{
    private const string OtherRegionsPrefix = " Other regions: ";

    /// <summary>The Price List Bulk API's address.</summary>
    public static readonly Uri DefaultPriceList = new("https://pricing.us-east-1.amazonaws.com/");

    /// <summary>Refreshes the prices of <paramref name="regions"/> from <paramref name="priceList"/>.</summary>
    /// <param name="dstackHome">The dstack folder (the refreshed catalog goes to <c>aws/ec2-instance-types.json</c>).</param>
    /// <param name="regions">The regions to refresh.</param>
    /// <param name="priceList">The price list's address (<see cref="DefaultPriceList"/>, or a copy of it).</param>
    /// <param name="time">The clock that dates the refresh.</param>
    /// <param name="cancellationToken">Stops the refresh.</param>
    /// <exception cref="PriceListUnavailableException">A region's price list could not be read; the catalog is unchanged.</exception>
    public static async Task<PriceRefresh> RefreshAsync(string dstackHome, IReadOnlyList<string> regions, Uri priceList, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(priceList);
        ArgumentNullException.ThrowIfNull(time);
        var current = Ec2Catalog.Load(dstackHome);
        var types = current.Types.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var prices = new Dictionary<string, IReadOnlyDictionary<string, decimal>>(StringComparer.Ordinal);
        var published = new List<string>();
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15), AutomaticDecompression = System.Net.DecompressionMethods.All };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(10) };
        foreach (var region in regions)
        {
            var url = new Uri(priceList, Ec2PriceList.RegionPath(region));
            try
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new PriceListUnavailableException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null);
                }

                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var (regionPrices, publicationDate) = await Ec2PriceList.ReadAsync(body, types, cancellationToken).ConfigureAwait(false);
                prices[region] = regionPrices;
                published.Add($"{region} published {publicationDate ?? "(no date)"}");
            }
            catch (HttpRequestException e)
            {
                throw new PriceListUnavailableException($"cannot reach {url}: {e.Message}", e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PriceListUnavailableException($"{url} did not answer within {http.Timeout.TotalMinutes:0} minutes.", e);
            }
            catch (JsonException e)
            {
                throw new PriceListUnavailableException($"{url} is not an EC2 price list file: {e.Message}", e);
            }
        }

        var now = time.GetUtcNow();
        var source = string.Create(
            CultureInfo.InvariantCulture,
            $"AWS Price List Bulk API ({new Uri(priceList, Ec2PriceList.RegionPath("REGION"))}; {string.Join(", ", published)}), on-demand Linux, shared tenancy, USD per hour, read by `dstack offers --refresh` at {now:yyyy-MM-dd HH:mm} UTC. Types the price list does not price in a region are unknown there.{OtherRegionsPrefix}{PreviousRefreshOrShipped(current.Source)}");
        var refreshed = current.WithPrices(regions, prices, source, now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var path = Ec2Catalog.RefreshedPath(dstackHome);
        await refreshed.WriteAsync(path, regions, cancellationToken).ConfigureAwait(false);
        var known = prices.Values.Sum(p => p.Count);
        return new PriceRefresh(Ec2Backend.AwsName, path, source, regions, known, (types.Count * regions.Count) - known);
    }

    /// <summary>
    /// What the catalog in use says of itself, without what it said of the one before it: each refresh names its
    /// predecessor, and would otherwise carry every earlier refresh's text along.
    /// </summary>
    private static string PreviousRefreshOrShipped(string source)
    {
        var nested = source.IndexOf(OtherRegionsPrefix, StringComparison.Ordinal);
        return nested < 0 ? source : source[..nested];
    }
}
