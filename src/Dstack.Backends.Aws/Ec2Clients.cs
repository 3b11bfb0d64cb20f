using System.Collections.Concurrent;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace Dstack.Backends.Aws;

/// <summary>One EC2 client per region, made on first use and disposed with the backend, and the instance lookup every part makes.</summary>
internal sealed class Ec2Clients(Func<string, IAmazonEC2> factory) : IDisposable
{
    private readonly ConcurrentDictionary<string, IAmazonEC2> _clients = new(StringComparer.Ordinal);

    /// <summary>Gets the client of <paramref name="region"/>.</summary>
    public IAmazonEC2 For(string region) => _clients.GetOrAdd(region, factory);

    /// <summary>The instances that match <paramref name="filters"/> in <paramref name="region"/>, through every page.</summary>
    public Task<List<Amazon.EC2.Model.Instance>> DescribeAsync(string region, List<Filter> filters, CancellationToken cancellationToken) =>
        DescribeAsync(For(region), filters, cancellationToken);

    /// <summary>The instances that match <paramref name="filters"/>, through every page.</summary>
    public static async Task<List<Amazon.EC2.Model.Instance>> DescribeAsync(IAmazonEC2 ec2, List<Filter> filters, CancellationToken cancellationToken)
    {
        var found = new List<Amazon.EC2.Model.Instance>();
        var reservations = ec2.Paginators.DescribeInstances(new DescribeInstancesRequest { Filters = filters }).Reservations;
        await foreach (var reservation in reservations.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            found.AddRange(reservation.Instances ?? []);
        }

        return found;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
