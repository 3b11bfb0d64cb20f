using System.Net.Sockets;
using Amazon.EC2;
using Amazon.Runtime;
using Dstack.Backends.Aws.Catalog;
using Dstack.Core.Backends;
using Dstack.Core.Runs;
using GpuInfo = Dstack.Core.Backends.GpuInfo;

namespace Dstack.Backends.Aws;

/// <summary>
/// The aws backend's offers: the catalog's instance types that fit, in each allowed region, on-demand (the catalog's price)
/// and spot (the live price). An EC2 API that cannot be reached costs a region its spot offers, not the whole answer.
/// </summary>
internal sealed class Ec2Offers(AwsBackendOptions options, Func<Ec2Catalog> currentCatalog, Ec2Clients clients, TimeProvider time)
{
    private readonly SpotPriceCache _spotPrices = new(options, time);

    /// <summary>The catalog's instance types that fit <paramref name="request"/>, on-demand and spot, in each allowed region.</summary>
    public async Task<OfferSearch> GetOffersAsync(ResourceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var catalog = currentCatalog();
        var fitting = new List<(Ec2InstanceType Type, MachineResources Machine)>();
        foreach (var type in catalog.Types)
        {
            var machine = Resources(type);
            if (ResourceMatcher.Unmet(request, machine).Count == 0)
            {
                fitting.Add((type, machine));
            }
        }

        if (fitting.Count == 0)
        {
            return new OfferSearch([], [$"aws: no instance type of the catalog ({catalog.Types.Count} types) has {request.Summary}"]);
        }

        var offers = new List<InstanceOffer>();
        var rejections = new List<string>();
        var regions = await Task.WhenAll(options.Regions.Select(async region =>
        {
            try
            {
                return (region, Prices: await _spotPrices.GetAsync(clients.For(region), region, [.. catalog.Types.Select(t => t.Name)], cancellationToken).ConfigureAwait(false), Error: (string?)null);
            }
            catch (Exception e) when (IsUnreachable(e, cancellationToken))
            {
                // The on-demand offers need nothing from the API (their prices are the catalog's): an API that refuses or
                // cannot be reached costs the region its spot offers, not the whole answer.
                return (region, Prices: (IReadOnlyDictionary<string, decimal>?)null, Error: $"aws: {region}: cannot read spot prices ({Reason(e)}), so its spot offers are left out");
            }
        })).ConfigureAwait(false);
        foreach (var (region, prices, error) in regions)
        {
            if (error is not null)
            {
                rejections.Add(error);
            }

            foreach (var (type, machine) in fitting)
            {
                var onDemand = type.OnDemandPrices.TryGetValue(region, out var price) ? price : (decimal?)null;
                offers.Add(new InstanceOffer(Ec2Backend.AwsName, region, type.Name, machine, onDemand, Spot: false, onDemand is null ? "price-unknown" : "available"));
                if (prices is not null && prices.TryGetValue(type.Name, out var spot))
                {
                    offers.Add(new InstanceOffer(Ec2Backend.AwsName, region, type.Name, machine, spot, Spot: true, "available"));
                }
            }
        }

        return new OfferSearch(offers, rejections);
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says that the EC2 API refused the call (<see cref="AmazonServiceException"/>:
    /// credentials, permissions, throttling) or could not be reached (no credentials found, DNS, a refused or dropped
    /// connection, a timeout), as opposed to the caller cancelling or a bug.
    /// </summary>
    private static bool IsUnreachable(Exception exception, CancellationToken cancellationToken) =>
        exception is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Why the call failed, on one line: it becomes a note among the offers.</summary>
    private static string Reason(Exception exception)
    {
        var reason = exception switch
        {
            AmazonServiceException { ErrorCode: { Length: > 0 } code } service => $"{code}: {service.Message}",
            OperationCanceledException => "the EC2 API did not answer in time",

            // The SDK lists every credential provider it tried, one per line; what to do is shorter.
            AmazonClientException when exception.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal) =>
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the backend's profile",
            _ => exception.InnerException is { } inner && !exception.Message.Contains(inner.Message, StringComparison.Ordinal)
                ? $"{exception.Message} {inner.Message}"
                : exception.Message,
        };
        return string.Join(' ', reason.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static MachineResources Resources(Ec2InstanceType type) => new(
        type.Cpus,
        type.MemoryBytes,
        [.. Enumerable.Repeat(new GpuInfo(type.GpuName ?? string.Empty, type.GpuMemoryBytes), type.GpuCount)],
        100L * 1024 * 1024 * 1024);
}
