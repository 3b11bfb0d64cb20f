using System.Globalization;
using System.Text.Json;

namespace Dstack.Backends.Aws.Catalog;

/// <summary>
/// The EC2 instance types dstack offers, from the data file shipped in this assembly (<c>ec2-instance-types.json</c>,
/// with its source and date). Prices are strings in the file so that no digit is lost to floating point.
/// </summary>
internal sealed class Ec2Catalog
{
    private const long GiB = 1024L * 1024 * 1024;

    private Ec2Catalog(string source, string date, IReadOnlyList<Ec2InstanceType> types)
    {
        Source = source;
        Date = date;
        Types = types;
    }

    public string Source { get; }

    public string Date { get; }

    public IReadOnlyList<Ec2InstanceType> Types { get; }

    /// <summary>Loads the catalog shipped with dstack.</summary>
    public static Ec2Catalog Load()
    {
        using var stream = typeof(Ec2Catalog).Assembly.GetManifestResourceStream("Dstack.Backends.Aws.Catalog.ec2-instance-types.json")
            ?? throw new InvalidOperationException("The EC2 catalog is missing from the assembly.");
        return Parse(stream);
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
                t.GetProperty("onDemandPrice").EnumerateObject().ToDictionary(p => p.Name, p => decimal.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture), StringComparer.Ordinal));
        }).ToList();
        return new Ec2Catalog(root.GetProperty("source").GetString()!, root.GetProperty("date").GetString()!, types);
    }
}
