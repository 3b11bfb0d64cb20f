using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dstack.Backends.Aws.Catalog;

/// <summary>
/// Reads the on-demand Linux prices out of one region's EC2 offer file of AWS's Price List Bulk API
/// (<c>/offers/v1.0/aws/AmazonEC2/current/REGION/index.json</c>): <c>products</c> (SKU → attributes) and
/// <c>terms.OnDemand</c> (SKU → term → price dimensions with <c>pricePerUnit.USD</c> per <c>Hrs</c>). A region's file is
/// hundreds of megabytes, so it is deserialized as a stream into only the fields read here; everything else (the reserved
/// terms, most attributes) is skipped as it streams past. Those fields of every product and every on-demand term of the
/// region are held until the file ends, as the terms come after the products; only then are dstack's types picked out.
/// </summary>
internal static class Ec2PriceList
{
    private static readonly JsonSerializerOptions Options = new();

    /// <summary>The path of a region's offer file under the price list's address.</summary>
    public static string RegionPath(string region) => $"offers/v1.0/aws/AmazonEC2/current/{region}/index.json";

    /// <summary>
    /// Reads the hourly on-demand price of each of <paramref name="types"/> that the file prices for Linux on shared
    /// tenancy without pre-installed software (what dstack launches); the other types are left out (unknown).
    /// </summary>
    /// <exception cref="JsonException">The file is not a price list file.</exception>
    public static async Task<(IReadOnlyDictionary<string, decimal> Prices, string? PublicationDate)> ReadAsync(
        Stream json, IReadOnlySet<string> types, CancellationToken cancellationToken)
    {
        var file = await JsonSerializer.DeserializeAsync<OfferFile>(json, Options, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException("The price list file is empty.");
        if (file.Products is null || file.Terms?.OnDemand is null)
        {
            throw new JsonException("The price list file has no products or no on-demand terms.");
        }

        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (sku, product) in file.Products)
        {
            var a = product.Attributes;
            if (a?.InstanceType is not { } type || !types.Contains(type) || prices.ContainsKey(type)
                || a.OperatingSystem != "Linux" || a.Tenancy != "Shared" || a.PreInstalledSw != "NA"
                || a.CapacityStatus is not (null or "Used") || a.Operation is not (null or "RunInstances")
                || !file.Terms.OnDemand.TryGetValue(sku, out var terms))
            {
                continue;
            }

            var hourly = terms.Values
                .SelectMany(t => (IEnumerable<PriceDimension>?)t.PriceDimensions?.Values ?? [])
                .FirstOrDefault(d => d.Unit == "Hrs" && d.PricePerUnit?.ContainsKey("USD") == true);
            if (hourly is not null && decimal.TryParse(hourly.PricePerUnit!["USD"], NumberStyles.Number, CultureInfo.InvariantCulture, out var price) && price > 0)
            {
                prices[type] = price;
            }
        }

        return (prices, file.PublicationDate);
    }

    private sealed record OfferFile(
        [property: JsonPropertyName("publicationDate")] string? PublicationDate,
        [property: JsonPropertyName("products")] Dictionary<string, Product>? Products,
        [property: JsonPropertyName("terms")] Terms? Terms);

    private sealed record Product([property: JsonPropertyName("attributes")] Attributes? Attributes);

    private sealed record Attributes(
        [property: JsonPropertyName("instanceType")] string? InstanceType,
        [property: JsonPropertyName("operatingSystem")] string? OperatingSystem,
        [property: JsonPropertyName("tenancy")] string? Tenancy,
        [property: JsonPropertyName("preInstalledSw")] string? PreInstalledSw,
        [property: JsonPropertyName("capacitystatus")] string? CapacityStatus,
        [property: JsonPropertyName("operation")] string? Operation);

    private sealed record Terms([property: JsonPropertyName("OnDemand")] Dictionary<string, Dictionary<string, Term>>? OnDemand);

    private sealed record Term([property: JsonPropertyName("priceDimensions")] Dictionary<string, PriceDimension>? PriceDimensions);

    private sealed record PriceDimension(
        [property: JsonPropertyName("unit")] string? Unit,
        [property: JsonPropertyName("pricePerUnit")] Dictionary<string, string>? PricePerUnit);
}
