using Dstack.Backends.Aws;
using Dstack.Backends.Aws.Catalog;
using Dstack.Core.Backends;
using Dstack.Core.Settings;

namespace Dstack.Composition;

/// <summary>Refreshes the on-demand prices of the configured cloud backends (<c>dstack offers --refresh</c>).</summary>
public static class DstackPrices
{
    /// <summary>
    /// Refreshes the aws backend's prices in its configured regions (the profile's or the SDK's default region when none
    /// is listed); nothing when no aws backend is configured.
    /// </summary>
    /// <param name="settings">The user config.</param>
    /// <param name="awsPriceList">The price list's address, or null for AWS's own.</param>
    /// <param name="time">The clock that dates the refresh.</param>
    /// <param name="cancellationToken">Stops the refresh.</param>
    public static async Task<IReadOnlyList<PriceRefresh>> RefreshAsync(DstackSettings settings, Uri? awsPriceList, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Aws is not { } aws)
        {
            return [];
        }

        IReadOnlyList<string> regions = aws.Regions.Count > 0 ? aws.Regions : AwsBackendServiceCollectionExtensions.Options(aws, settings.Home).Regions;

        return [await AwsPriceRefresher.RefreshAsync(settings.Home, regions, awsPriceList ?? AwsPriceRefresher.DefaultPriceList, time, cancellationToken).ConfigureAwait(false)];
    }
}
