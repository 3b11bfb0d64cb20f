using System.Globalization;
using Dstack.Core.Runs;
using Spectre.Console;

namespace Dstack.Cli.Runs;

/// <summary>The machines a run used (<c>dstack ps RUN</c>): one row per attempt, with price, billed time and cost.</summary>
internal static class AttemptsTable
{
    public static Table Build(RunManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        // No border: the rows fit an 80-column terminal (instance IDs are in the manifest).
        var table = new Table().Border(TableBorder.None).AddColumns("#", "INSTANCE", "REGION", "MARKET", "PRICE", "BILLED", "COST", "OUTCOME");
        foreach (var a in manifest.Attempts)
        {
            table.AddRow(
                a.Number.ToString(CultureInfo.InvariantCulture),
                a.InstanceType.EscapeMarkup(),
                a.Region.EscapeMarkup(),
                a.Spot ? "spot" : "on-demand",
                a.PricePerHour is { } price ? string.Create(CultureInfo.InvariantCulture, $"${price:0.####}/h") : "unknown",
                a.EndedAt is null ? "running" : Duration(a.BilledSeconds),
                Money(a.Cost),
                (a.Leftover is null ? a.Outcome : $"{a.Outcome}; left on the machine: {a.Leftover}").EscapeMarkup());
        }

        return table;
    }

    /// <summary>The total cost and what on-demand would have cost (<c>$0.0123 (on-demand $0.0410, saved 70%)</c>).</summary>
    public static string? Cost(RunManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Attempts.Count == 0)
        {
            return null;
        }

        if (manifest.TotalCost is not { } total)
        {
            return "unknown (a price is unknown)";
        }

        return manifest.OnDemandCost is { } onDemand && onDemand > 0 && onDemand != total
            ? string.Create(CultureInfo.InvariantCulture, $"{Money(total)} (on-demand {Money(onDemand)}, saved {(onDemand - total) / onDemand:0%})")
            : Money(total);
    }

    private static string Money(decimal? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"${v:0.0000}") : "unknown";

    private static string Duration(long seconds) => TimeSpan.FromSeconds(seconds) switch
    {
        { TotalHours: >= 1 } t => string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}h{t.Minutes:00}m"),
        var t => string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}m{t.Seconds:00}s"),
    };
}
