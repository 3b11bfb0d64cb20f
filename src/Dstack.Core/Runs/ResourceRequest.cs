namespace Dstack.Core.Runs;

/// <summary>
/// Resources a run asks for, flattened into plain values so that it travels in Temporal payloads as JSON.
/// Null means no requirement.
/// </summary>
public sealed record ResourceRequest
{
    public static ResourceRequest None { get; } = new();

    public int? CpuMin { get; init; }

    public int? CpuMax { get; init; }

    public long? MemoryMinBytes { get; init; }

    public long? MemoryMaxBytes { get; init; }

    public long? ShmSizeBytes { get; init; }

    public long? DiskMinBytes { get; init; }

    public int? GpuCountMin { get; init; }

    public int? GpuCountMax { get; init; }

    public IReadOnlyList<string> GpuNames { get; init; } = [];

    public long? GpuMemoryMinBytes { get; init; }

    public long? GpuMemoryMaxBytes { get; init; }

    /// <summary>Gets the text users wrote, for messages (<c>2.. CPU, 16GB.. RAM, A100:80GB:2</c>).</summary>
    public string Summary { get; init; } = string.Empty;

    /// <summary>True when at least one GPU is asked for.</summary>
    public bool WantsGpu => GpuCountMin is > 0 || GpuNames.Count > 0 || GpuMemoryMinBytes is > 0;
}
