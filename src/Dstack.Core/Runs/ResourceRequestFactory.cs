using Dstack.Core.Configuration;

namespace Dstack.Core.Runs;

/// <summary>Flattens a workflow's <see cref="ResourceSpec"/> into the plain <see cref="ResourceRequest"/> a run carries.</summary>
public static class ResourceRequestFactory
{
    /// <summary>Creates the request, with a <see cref="ResourceRequest.Summary"/> such as <c>2.. CPU, 16GB.. RAM, A100:80GB:2</c>.</summary>
    public static ResourceRequest Create(ResourceSpec? spec)
    {
        if (spec is null)
        {
            return ResourceRequest.None;
        }

        var parts = new List<string>();
        if (spec.Cpu is { } cpu)
        {
            parts.Add($"{cpu} CPU");
        }

        if (spec.Memory is { } memory)
        {
            parts.Add($"{memory} RAM");
        }

        if (spec.Gpu is { } gpu)
        {
            parts.Add(gpu.ToString());
        }

        if (spec.Disk is { } disk)
        {
            parts.Add($"{disk} disk");
        }

        if (spec.ShmSize is { } shm)
        {
            parts.Add($"{shm} shm");
        }

        return new ResourceRequest
        {
            CpuMin = spec.Cpu?.Min,
            CpuMax = spec.Cpu?.Max,
            MemoryMinBytes = spec.Memory?.Min?.Bytes,
            MemoryMaxBytes = spec.Memory?.Max?.Bytes,
            ShmSizeBytes = spec.ShmSize?.Bytes,
            DiskMinBytes = spec.Disk?.Min?.Bytes,
            GpuCountMin = spec.Gpu?.Count.Min,
            GpuCountMax = spec.Gpu?.Count.Max,
            GpuNames = spec.Gpu?.Names ?? [],
            GpuMemoryMinBytes = spec.Gpu?.Memory?.Min?.Bytes,
            GpuMemoryMaxBytes = spec.Gpu?.Memory?.Max?.Bytes,
            Summary = string.Join(", ", parts),
        };
    }
}
