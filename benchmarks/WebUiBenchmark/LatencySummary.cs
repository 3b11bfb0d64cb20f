using System.Globalization;

namespace Dstack.Benchmarks.WebUi;

/// <summary>Median, 99th percentile and worst of a set of timings, in milliseconds (nearest rank).</summary>
internal sealed record LatencySummary(int Count, double P50, double P99, double Max)
{
    public static LatencySummary Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToList();
        if (sorted.Count == 0)
        {
            throw new ArgumentException("no timings", nameof(milliseconds));
        }

        double Percentile(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        return new LatencySummary(sorted.Count, Percentile(0.50), Percentile(0.99), sorted[^1]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p50 {P50:F1} ms, p99 {P99:F1} ms, max {Max:F1} ms over {Count}");
}
