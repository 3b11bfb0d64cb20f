using System.Collections.Concurrent;
using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace Dstack.Backends.Aws;

/// <summary>
/// Current spot prices per region (the lowest over the region's zones), read live with <c>DescribeSpotPriceHistory</c>
/// and reused for <see cref="AwsBackendOptions.SpotPriceCacheDuration"/>.
/// </summary>
internal sealed class SpotPriceCache(AwsBackendOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset ReadAt, IReadOnlyDictionary<string, decimal> Prices)> _regions = new(StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<string, decimal>> GetAsync(IAmazonEC2 ec2, string region, IReadOnlyList<string> types, CancellationToken cancellationToken)
    {
        // Callers ask for the same types (the catalog's) every time, so a region's answer serves them all.
        if (_regions.TryGetValue(region, out var cached) && time.GetUtcNow() - cached.ReadAt < options.SpotPriceCacheDuration)
        {
            return cached.Prices;
        }

        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var request = new DescribeSpotPriceHistoryRequest
        {
            InstanceTypes = [.. types],
            ProductDescriptions = ["Linux/UNIX"],

            // A start time of now gives the price in force now, one entry per type and zone.
            StartTime = time.GetUtcNow().UtcDateTime,
        };
        var history = ec2.Paginators.DescribeSpotPriceHistory(request).SpotPriceHistory;
        await foreach (var entry in history.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (decimal.TryParse(entry.Price, NumberStyles.Number, CultureInfo.InvariantCulture, out var price)
                && (!prices.TryGetValue(entry.InstanceType, out var lowest) || price < lowest))
            {
                prices[entry.InstanceType] = price;
            }
        }

        _regions[region] = (time.GetUtcNow(), prices);
        return prices;
    }
}
