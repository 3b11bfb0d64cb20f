using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// One structured calendar read in a time zone: a time matches when its wall-clock fields in that zone all match.
/// Resolution is one second. Wall-clock times skipped by a daylight-saving jump never match; those repeated when
/// clocks go back match twice, once per instant, as in real Temporal.
/// </summary>
internal sealed class CalendarMatcher
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private readonly TimeZoneInfo _zone;
    private readonly CalendarFieldSet _second;
    private readonly CalendarFieldSet _minute;
    private readonly CalendarFieldSet _hour;
    private readonly CalendarFieldSet _dayOfMonth;
    private readonly CalendarFieldSet _month;
    private readonly CalendarFieldSet _year;
    private readonly CalendarFieldSet _dayOfWeek;

    public CalendarMatcher(StructuredCalendarSpec calendar, TimeZoneInfo zone)
    {
        _zone = zone;
        _second = CalendarFieldSet.Of(calendar.Second, 0, 59);
        _minute = CalendarFieldSet.Of(calendar.Minute, 0, 59);
        _hour = CalendarFieldSet.Of(calendar.Hour, 0, 23);
        _dayOfMonth = CalendarFieldSet.Of(calendar.DayOfMonth, 1, 31);
        _month = CalendarFieldSet.Of(calendar.Month, 1, 12);
        _year = CalendarFieldSet.Years(calendar.Year);
        _dayOfWeek = CalendarFieldSet.Of(calendar.DayOfWeek, 0, 6);
    }

    /// <summary>True when the instant's wall-clock time in the zone matches.</summary>
    public bool Matches(DateTime utc) => MatchesWallClock(TimeZoneInfo.ConvertTimeFromUtc(utc, _zone));

    /// <summary>The earliest whole-second instant after <paramref name="afterUtc"/> that matches, or null when none does before the last calendar year.</summary>
    public DateTime? Next(DateTime afterUtc)
    {
        var firstInstant = TruncateToSecond(afterUtc) + Second;
        var from = TimeZoneInfo.ConvertTimeFromUtc(firstInstant, _zone);

        // Away from offset changes, wall-clock order is instant order: the first matching wall-clock time that exists
        // is the answer (its earlier instant, should clocks repeat it).
        if (_zone.GetUtcOffset(firstInstant - TimeSpan.FromHours(3)) == _zone.GetUtcOffset(firstInstant + TimeSpan.FromHours(3)))
        {
            var next = from;
            while (NextWallClock(next) is { } local)
            {
                if (Instants(local).Select(i => (DateTime?)i).FirstOrDefault() is { } instant)
                {
                    return instant;
                }

                next = local + Second;
            }

            return null;
        }

        // Near a change, a repeated hour maps wall-clock times from up to an hour before `from` to instants after it,
        // and a skipped hour has no instants: scan from an hour earlier and keep the earliest instant until wall-clock
        // order can no longer hold an earlier one.
        DateTime? best = null;
        var cursor = from - TimeSpan.FromHours(1);
        while (NextWallClock(cursor) is { } local)
        {
            if (best is { } found && local > TimeZoneInfo.ConvertTimeFromUtc(found, _zone) + TimeSpan.FromHours(3))
            {
                break;
            }

            foreach (var instant in Instants(local))
            {
                if (instant >= firstInstant && (best is null || instant < best))
                {
                    best = instant;
                }
            }

            cursor = local + Second;
        }

        return best;
    }

    private static DateTime TruncateToSecond(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private IEnumerable<DateTime> Instants(DateTime local)
    {
        if (_zone.IsInvalidTime(local))
        {
            yield break;
        }

        if (_zone.IsAmbiguousTime(local))
        {
            foreach (var offset in _zone.GetAmbiguousTimeOffsets(local).OrderByDescending(o => o))
            {
                yield return DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
            }

            yield break;
        }

        yield return TimeZoneInfo.ConvertTimeToUtc(local, _zone);
    }

    private bool MatchesWallClock(DateTime local) =>
        _year.Contains(local.Year) && _month.Contains(local.Month) && _dayOfMonth.Contains(local.Day) &&
        _dayOfWeek.Contains((int)local.DayOfWeek) && _hour.Contains(local.Hour) && _minute.Contains(local.Minute) &&
        _second.Contains(local.Second);

    /// <summary>
    /// The earliest wall-clock time at or after <paramref name="from"/> whose fields match, skipping whole years, months,
    /// days, hours and minutes that cannot match; null past the last calendar year.
    /// </summary>
    private DateTime? NextWallClock(DateTime from)
    {
        int year = from.Year, month = from.Month, day = from.Day, hour = from.Hour, minute = from.Minute, second = from.Second;
        while (true)
        {
            // Carry overflows from the steps below upwards, as an odometer does.
            if (second > 59)
            {
                (minute, second) = (minute + 1, 0);
            }

            if (minute > 59)
            {
                (hour, minute) = (hour + 1, 0);
            }

            if (hour > 23)
            {
                (day, hour) = (day + 1, 0);
            }

            if (day > DateTime.DaysInMonth(year, month))
            {
                (month, day) = (month + 1, 1);
            }

            if (month > 12)
            {
                (year, month) = (year + 1, 1);
            }

            if (year > ScheduleLimits.MaxCalendarYear)
            {
                return null;
            }

            if (!_year.Contains(year))
            {
                (year, month, day, hour, minute, second) = (year + 1, 1, 1, 0, 0, 0);
            }
            else if (!_month.Contains(month))
            {
                (month, day, hour, minute, second) = (month + 1, 1, 0, 0, 0);
            }
            else if (!_dayOfMonth.Contains(day) || !_dayOfWeek.Contains((int)new DateTime(year, month, day).DayOfWeek))
            {
                (day, hour, minute, second) = (day + 1, 0, 0, 0);
            }
            else if (!_hour.Contains(hour))
            {
                (hour, minute, second) = (hour + 1, 0, 0);
            }
            else if (!_minute.Contains(minute))
            {
                (minute, second) = (minute + 1, 0);
            }
            else if (!_second.Contains(second))
            {
                second++;
            }
            else
            {
                return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
            }
        }
    }
}
