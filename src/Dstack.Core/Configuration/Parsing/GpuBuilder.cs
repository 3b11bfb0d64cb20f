namespace Dstack.Core.Configuration.Parsing;

/// <summary>The parts of a <see cref="GpuSpec"/> while they are read.</summary>
internal sealed class GpuBuilder
{
    public GpuVendor? Vendor { get; set; }

    public IReadOnlyList<string>? Names { get; set; }

    public Range<int>? Count { get; set; }

    public Range<MemorySize>? Memory { get; set; }

    /// <summary>Without a count, one GPU is meant (<c>gpu: A100</c>).</summary>
    public GpuSpec Build() => new(Vendor, Names ?? [], Count ?? new Range<int>(1, 1), Memory);
}
