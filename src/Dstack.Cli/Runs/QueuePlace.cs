using System.Globalization;

namespace Dstack.Cli.Runs;

/// <summary>Where a pending run stands in the capacity queue: its place among the runs asking the same, and what they ask for.</summary>
internal sealed record QueuePlace(int Place, int Of, string Shape)
{
    /// <summary>As <c>dstack ps</c> shows it: "2nd of 5 waiting for cpu=2".</summary>
    public override string ToString() => $"{Ordinal(Place)} of {Of} waiting for {Shape}";

    private static string Ordinal(int n) => (n % 100 is >= 11 and <= 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" }) is var suffix
        ? n.ToString(CultureInfo.InvariantCulture) + suffix
        : string.Empty;
}
