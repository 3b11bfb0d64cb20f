using System.Globalization;

namespace Dstack.Testing.Aws;

/// <summary>
/// The parameters of one EC2 Query request (<c>Action=RunInstances&amp;InstanceId.1=...&amp;Filter.1.Name=...</c>), with
/// the region taken from the request's signature scope, as EC2 serves one region per endpoint.
/// </summary>
public sealed class Ec2Query(IReadOnlyDictionary<string, string> values, string region)
{
    public string Region { get; } = region;

    public string Action => Get("Action") ?? throw new Ec2ErrorException("MissingAction", "The request must contain the parameter Action.");

    public string? Get(string name) => values.TryGetValue(name, out var value) ? value : null;

    public string Required(string name) =>
        Get(name) ?? throw new Ec2ErrorException("MissingParameter", $"The request must contain the parameter {name}");

    public int Number(string name, int fallback) =>
        Get(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The values of a list parameter: <c>Name.1</c>, <c>Name.2</c>, ... until one is missing.</summary>
    public IReadOnlyList<string> List(string name)
    {
        var list = new List<string>();
        for (var i = 1; Get($"{name}.{i}") is { } value; i++)
        {
            list.Add(value);
        }

        return list;
    }

    /// <summary>The indexes of a list of structures: <c>Name.1.*</c>, <c>Name.2.*</c>, ...</summary>
    public IEnumerable<string> Members(string name)
    {
        for (var i = 1; values.Keys.Any(k => k.StartsWith($"{name}.{i}.", StringComparison.Ordinal)); i++)
        {
            yield return $"{name}.{i}";
        }
    }

    /// <summary>The <c>Filter.N.Name</c> / <c>Filter.N.Value.M</c> pairs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Filters() =>
        Members("Filter").ToDictionary(f => Required($"{f}.Name"), f => List($"{f}.Value"), StringComparer.Ordinal);

    /// <summary>The tags of the <c>TagSpecification.N</c> for <paramref name="resourceType"/>.</summary>
    public IReadOnlyDictionary<string, string> Tags(string resourceType)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in Members("TagSpecification").Where(s => Get($"{s}.ResourceType") == resourceType))
        {
            foreach (var tag in Members($"{spec}.Tag"))
            {
                tags[Required($"{tag}.Key")] = Get($"{tag}.Value") ?? string.Empty;
            }
        }

        return tags;
    }

    public override string ToString() => string.Join('&', values.Select(kv => $"{kv.Key}={kv.Value}"));
}
