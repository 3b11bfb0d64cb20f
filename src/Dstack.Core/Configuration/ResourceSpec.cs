namespace Dstack.Core.Configuration;

/// <summary>The resources a workflow needs.</summary>
/// <remarks>
/// A null member means "no requirement": the spec keeps what the user wrote. The defaults dstack applies when it
/// looks for offers (cpu <c>2..</c>, memory <c>8GB..</c>) belong to offer matching, not to this record.
/// </remarks>
public sealed record ResourceSpec
{
    /// <summary>An empty spec: no requirement at all.</summary>
    public static ResourceSpec None { get; } = new();

    /// <summary>vCPUs (<c>4</c>, <c>4..</c>, <c>2..8</c>, <c>..8</c>).</summary>
    public Range<int>? Cpu { get; init; }

    /// <summary>RAM (<c>64GB</c>, <c>16GB..64GB</c>, <c>8GB..</c>).</summary>
    public Range<MemorySize>? Memory { get; init; }

    /// <summary>Shared memory for the job's container; a single size, since it is set, not matched.</summary>
    public MemorySize? ShmSize { get; init; }

    /// <summary>Disk (<c>100GB..</c>).</summary>
    public Range<MemorySize>? Disk { get; init; }

    /// <summary>GPUs, or null for none required.</summary>
    public GpuSpec? Gpu { get; init; }

    /// <summary>Whether the user wrote <c>interruptible: true</c> (which makes the spot policy <c>spot</c>).</summary>
    public bool Interruptible { get; init; }
}
