namespace Dstack.Core.Configuration.Parsing;

/// <summary>The parts of a <see cref="ResourceSpec"/> while they are read.</summary>
internal sealed class ResourcesBuilder
{
    public Range<int>? Cpu { get; set; }

    public Range<MemorySize>? Memory { get; set; }

    public MemorySize? ShmSize { get; set; }

    public Range<MemorySize>? Disk { get; set; }

    public GpuSpec? Gpu { get; set; }

    public bool Interruptible { get; set; }

    public ResourceSpec Build() => new()
    {
        Cpu = Cpu,
        Memory = Memory,
        ShmSize = ShmSize,
        Disk = Disk,
        Gpu = Gpu,
        Interruptible = Interruptible,
    };
}
