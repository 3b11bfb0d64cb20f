using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dstack.Backends.Aws.Catalog;

/// <summary>
/// The EC2 instance types dstack offers, from the data file shipped in this assembly (<c>ec2-instance-types.json</c>,
/// with its source and date), with the on-demand prices of a refreshed copy in the user's dstack folder
/// (<c>aws/ec2-instance-types.json</c>, written by <c>dstack offers --refresh</c>) where there is one. Prices are strings
/// in the file so that no digit is lost to floating point; a null or missing price is unknown, never guessed.
/// </summary>
internal sealed class Ec2Catalog
{
    /// <summary>The file name of the catalog, shipped and refreshed.</summary>
    public const string FileName = "ec2-instance-types.json";

    private const long GiB = 1024L * 1024 * 1024;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public Ec2Catalog(string source, string date, IReadOnlyList<Ec2InstanceType> types)
    {
        Source = source;
        Date = date;
        Types = types;
    }

    public string Source { get; }

    public string Date { get; }

    public IReadOnlyList<Ec2InstanceType> Types { get; }

    /// <summary>Gets where <c>dstack offers --refresh</c> writes the refreshed catalog.</summary>
    public static string RefreshedPath(string dstackHome) => Path.Combine(dstackHome, "aws", FileName);

    /// <summary>Loads the catalog shipped with dstack.</summary>
    public static Ec2Catalog Load()
    {
        using var stream = typeof(Ec2Catalog).Assembly.GetManifestResourceStream($"Dstack.Backends.Aws.Catalog.{FileName}")
            ?? throw new InvalidOperationException("The EC2 catalog is missing from the assembly.");
        return Parse(stream);
    }

    /// <summary>
    /// Loads the shipped catalog with the prices of the refreshed one in <paramref name="dstackHome"/>, when there is one.
    /// The instance types (and their sizes) stay the shipped ones, so a newer dstack's types are never hidden by an older
    /// refresh; a type the refresh did not know keeps its shipped prices.
    /// </summary>
    public static Ec2Catalog Load(string dstackHome)
    {
        var shipped = Load();
        var path = RefreshedPath(dstackHome);
        if (!File.Exists(path))
        {
            return shipped;
        }

        Ec2Catalog refreshed;
        try
        {
            using var stream = File.OpenRead(path);
            refreshed = Parse(stream);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException)
        {
            // The refresh writes its file whole (write, then rename); one that cannot be read was changed by hand, and the
            // shipped prices are the ones to trust then.
            return shipped;
        }

        var prices = refreshed.Types.ToDictionary(t => t.Name, t => t.OnDemandPrices, StringComparer.Ordinal);
        return new Ec2Catalog(
            refreshed.Source,
            refreshed.Date,
            [.. shipped.Types.Select(t => prices.TryGetValue(t.Name, out var p) ? t with { OnDemandPrices = p } : t)]);
    }

    public static Ec2Catalog Parse(Stream json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var types = root.GetProperty("instanceTypes").EnumerateArray().Select(t =>
        {
            var gpu = t.TryGetProperty("gpu", out var g) ? g : (JsonElement?)null;
            return new Ec2InstanceType(
                t.GetProperty("name").GetString()!,
                t.GetProperty("vcpus").GetInt32(),
                (long)(t.GetProperty("memoryGiB").GetDouble() * GiB),
                gpu?.GetProperty("name").GetString(),
                gpu?.GetProperty("count").GetInt32() ?? 0,
                (long)((gpu?.GetProperty("memoryGiB").GetDouble() ?? 0) * GiB),
                t.GetProperty("onDemandPrice").EnumerateObject()
                    .Where(p => p.Value.ValueKind == JsonValueKind.String)
                    .ToDictionary(p => p.Name, p => decimal.Parse(p.Value.GetString()!, NumberStyles.Number, CultureInfo.InvariantCulture), StringComparer.Ordinal));
        }).ToList();
        return new Ec2Catalog(root.GetProperty("source").GetString()!, root.GetProperty("date").GetString()!, types);
    }

    /// <summary>
    /// A copy with the prices of <paramref name="regions"/> replaced by <paramref name="prices"/> (type → region → price):
    /// a type the price list does not price in one of those regions becomes unknown there. Other regions keep their prices.
    /// </summary>
    public Ec2Catalog WithPrices(IReadOnlyList<string> regions, IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> prices, string source, string date) =>
        new(source, date, [.. Types.Select(t =>
        {
            var merged = t.OnDemandPrices.Where(p => !regions.Contains(p.Key, StringComparer.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            foreach (var region in regions)
            {
                if (prices.TryGetValue(region, out var inRegion) && inRegion.TryGetValue(t.Name, out var price))
                {
                    merged[region] = price;
                }
            }

            return t with { OnDemandPrices = merged };
        })]);

    /// <summary>Writes the catalog in the shipped file's format, whole or not at all (a temporary file renamed into place).</summary>
    public async Task WriteAsync(string path, IReadOnlyList<string> regions, CancellationToken cancellationToken)
    {
        var types = new JsonArray();
        foreach (var t in Types)
        {
            var prices = new JsonObject();
            foreach (var region in t.OnDemandPrices.Keys.Concat(regions).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                prices[region] = t.OnDemandPrices.TryGetValue(region, out var p) ? p.ToString("0.##########", CultureInfo.InvariantCulture) : null;
            }

            var type = new JsonObject { ["name"] = t.Name, ["vcpus"] = t.Cpus, ["memoryGiB"] = (double)t.MemoryBytes / GiB };
            if (t.GpuCount > 0)
            {
                type["gpu"] = new JsonObject { ["name"] = t.GpuName, ["count"] = t.GpuCount, ["memoryGiB"] = (double)t.GpuMemoryBytes / GiB };
            }

            type["onDemandPrice"] = prices;
            types.Add(type);
        }

        var document = new JsonObject { ["source"] = Source, ["date"] = Date, ["instanceTypes"] = types };
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllTextAsync(temporary, document.ToJsonString(Indented), cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
