using Dstack.TemporalServer.Visibility;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// Reads a schedule's cron string as real Temporal does: an optional <c>TZ=</c>/<c>CRON_TZ=</c> prefix, a <c>#</c>
/// comment, <c>@every</c> intervals (with an optional <c>/phase</c>), the <c>@daily</c>-style shorthands, and 5, 6 or 7
/// fields (minute hour day-of-month month day-of-week [year], or second first and year last for 7).
/// </summary>
internal static class CronStringParser
{
    public static CronStringParts Parse(string cron)
    {
        var text = cron.Trim();
        var zone = string.Empty;
        if (text.StartsWith("TZ=", StringComparison.Ordinal) || text.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                throw new ScheduleSpecException("CronString has time zone but missing fields");
            }

            zone = text[(text.IndexOf('=', StringComparison.Ordinal) + 1)..space];
            text = text[(space + 1)..];
        }

        var comment = string.Empty;
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            comment = text[(hash + 1)..].Trim();
            text = text[..hash];
        }

        text = text.Trim();
        if (text.StartsWith("@every", StringComparison.Ordinal))
        {
            return new CronStringParts(null, Every(text), string.Empty);
        }

        text = text switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => text,
        };
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var calendar = new CalendarSpec { Comment = comment };
        switch (fields.Length)
        {
            case 5:
                (calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.DayOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
                break;
            case 6:
                (calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.DayOfWeek, calendar.Year) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
                break;
            case 7:
                (calendar.Second, calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.DayOfWeek, calendar.Year) =
                    (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
                break;
            default:
                throw new ScheduleSpecException("CronString does not have 5-7 fields");
        }

        return new CronStringParts(CalendarStringParser.Parse(calendar), null, zone);
    }

    private static IntervalSpec Every(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            throw new ScheduleSpecException("CronString does not have interval after @every");
        }

        var value = text[(space + 1)..];
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var interval = new IntervalSpec { Interval = GoDuration(slash < 0 ? value : value[..slash]) };
        if (slash >= 0)
        {
            interval.Phase = GoDuration(value[(slash + 1)..]);
        }

        return interval;
    }

    private static Duration GoDuration(string text) =>
        GoDurationParser.TryParseGoDuration(text, out var nanoseconds)
            ? Duration.FromTimeSpan(TimeSpan.FromTicks(nanoseconds / 100))
            : throw new ScheduleSpecException($"time: invalid duration \"{text}\"");
}
