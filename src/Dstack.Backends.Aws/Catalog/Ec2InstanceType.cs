namespace Dstack.Backends.Aws.Catalog;

/// <summary>An EC2 instance type of the catalog.</summary>
/// <param name="Name">The type (<c>g5.xlarge</c>).</param>
/// <param name="Cpus">vCPUs.</param>
/// <param name="MemoryBytes">Memory.</param>
/// <param name="GpuName">The GPU model, or null.</param>
/// <param name="GpuCount">How many GPUs.</param>
/// <param name="GpuMemoryBytes">Memory of one GPU.</param>
/// <param name="OnDemandPrices">On-demand USD per hour by region; a region not listed has an unknown price.</param>
internal sealed record Ec2InstanceType(string Name, int Cpus, long MemoryBytes, string? GpuName, int GpuCount, long GpuMemoryBytes, IReadOnlyDictionary<string, decimal> OnDemandPrices);
