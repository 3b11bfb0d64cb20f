using System.Globalization;

namespace Dstack.Core.Configuration;

/// <summary>The GPUs a workflow needs.</summary>
/// <param name="Vendor">The vendor, or null for any.</param>
/// <param name="Names">Acceptable GPU names (any of them), empty for any.</param>
/// <param name="Count">How many GPUs. Written without a count (<c>gpu: A100</c>), it is exactly 1.</param>
/// <param name="Memory">The memory per GPU, or null for any.</param>
public sealed record GpuSpec(GpuVendor? Vendor, IReadOnlyList<string> Names, Range<int> Count, Range<MemorySize>? Memory)
{
    /// <summary>Formats the GPU request in its compact form, e.g. <c>A100:80GB:2</c> or <c>nvidia:1..8</c>.</summary>
    public override string ToString()
    {
        var tokens = new List<string>();
        if (Vendor is { } vendor)
        {
            tokens.Add(vendor.ToConfigName());
        }

        if (Names.Count > 0)
        {
            tokens.Add(string.Join(',', Names));
        }

        if (Memory is not null)
        {
            tokens.Add(Memory.ToString());
        }

        var exactlyOne = Count.Min == 1 && Count.Max == 1;
        if (!exactlyOne || tokens.Count == 0)
        {
            tokens.Add(Count.ToString());
        }

        return string.Join(':', tokens.Select(t => t.ToString(CultureInfo.InvariantCulture)));
    }
}
