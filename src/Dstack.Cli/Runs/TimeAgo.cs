using System.Globalization;

namespace Dstack.Cli.Runs;

/// <summary>Times as people read them in a table: <c>now</c>, <c>5 mins ago</c>, <c>2 hours ago</c>, a date when older.</summary>
internal static class TimeAgo
{
    public static string Format(DateTimeOffset time, DateTimeOffset now)
    {
        var elapsed = now - time;
        if (elapsed < TimeSpan.FromMinutes(1))
        {
            return "now";
        }

        if (elapsed < TimeSpan.FromHours(1))
        {
            return Plural((int)elapsed.TotalMinutes, "min");
        }

        if (elapsed < TimeSpan.FromDays(1))
        {
            return Plural((int)elapsed.TotalHours, "hour");
        }

        return elapsed < TimeSpan.FromDays(30)
            ? Plural((int)elapsed.TotalDays, "day")
            : time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static string Plural(int count, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {unit}{(count == 1 ? string.Empty : "s")} ago");
}
