using Dstack.Core.Configuration;

namespace Dstack.Core.Runs;

/// <summary>What <c>dstack run</c> options change in a workflow, written as in YAML (<c>--gpu A100:2</c>, <c>--memory 64GB</c>); <c>dstack offers</c> reads its resource options the same way.</summary>
public sealed record RunOverrides
{
    public static RunOverrides None { get; } = new();

    public string? Gpu { get; init; }

    public string? Memory { get; init; }

    public string? Cpu { get; init; }

    public string? Disk { get; init; }

    /// <summary>Gets <c>spot</c> or <c>on-demand</c>, or null to keep the workflow's policy.</summary>
    public SpotPolicy? SpotPolicy { get; init; }
}
