using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// Checks a schedule spec and brings it to real Temporal's canonical form: calendar strings and cron strings become
/// structured calendars and intervals, and a cron string's time zone becomes the spec's. Errors carry real Temporal's
/// messages.
/// </summary>
internal static class ScheduleSpecCompiler
{
    public static CompiledScheduleSpec Compile(ScheduleSpec spec)
    {
        var canonical = Canonicalize(spec);
        return new CompiledScheduleSpec(canonical, LoadZone(canonical.TimezoneName));
    }

    private static ScheduleSpec Canonicalize(ScheduleSpec spec)
    {
        var canonical = spec.Clone();
        canonical.StructuredCalendar.AddRange(canonical.Calendar.Select(CalendarStringParser.Parse));
        canonical.Calendar.Clear();
#pragma warning disable CS0612 // Deprecated in the API, yet clients may still send it and real Temporal still reads it.
        canonical.ExcludeStructuredCalendar.AddRange(canonical.ExcludeCalendar.Select(CalendarStringParser.Parse));
        canonical.ExcludeCalendar.Clear();
#pragma warning restore CS0612

        string? cronZone = null;
        foreach (var cron in canonical.CronString)
        {
            var parts = CronStringParser.Parse(cron);

            // Every cron string must name the same time zone, or none.
            if (cronZone is not null && cronZone != parts.TimeZone)
            {
                throw new ScheduleSpecException("conflicting timezone names");
            }

            cronZone = parts.TimeZone;
            if (parts.Calendar is { } calendar)
            {
                canonical.StructuredCalendar.Add(calendar);
            }

            if (parts.Interval is { } interval)
            {
                canonical.Interval.Add(interval);
            }
        }

        canonical.CronString.Clear();
        if (!string.IsNullOrEmpty(cronZone))
        {
            if ((canonical.TimezoneName.Length > 0 && canonical.TimezoneName != cronZone) || !canonical.TimezoneData.IsEmpty)
            {
                throw new ScheduleSpecException("conflicting timezone names");
            }

            canonical.TimezoneName = cronZone;
        }

        foreach (var calendar in canonical.StructuredCalendar)
        {
            CheckCalendar(calendar);
        }

        foreach (var interval in canonical.Interval)
        {
            CheckInterval(interval);
        }

        return canonical;
    }

    private static void CheckCalendar(StructuredCalendarSpec calendar)
    {
        var errors = new List<string>();
        CheckRanges(calendar.Second, "Second", 0, 59, errors);
        CheckRanges(calendar.Minute, "Minute", 0, 59, errors);
        CheckRanges(calendar.Hour, "Hour", 0, 23, errors);
        CheckRanges(calendar.DayOfMonth, "DayOfMonth", 1, 31, errors);
        CheckRanges(calendar.Month, "Month", 1, 12, errors);
        CheckRanges(calendar.Year, "Year", ScheduleLimits.MinCalendarYear, ScheduleLimits.MaxCalendarYear, errors);
        CheckRanges(calendar.DayOfWeek, "DayOfWeek", 0, 6, errors);
        if (calendar.Comment.Length > ScheduleLimits.MaxCommentLength)
        {
            errors.Add("comment is too long");
        }

        if (errors.Count > 0)
        {
            throw new ScheduleSpecException("invalid calendar spec: " + string.Join(", ", errors));
        }
    }

    private static void CheckRanges(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges, string field, int min, int max, List<string> errors)
    {
        foreach (var range in ranges)
        {
            if (range.Start < min || range.Start > max)
            {
                errors.Add($"{field} Start is not in range [{min}-{max}]");
            }

            if (range.End != 0 && (range.End < range.Start || range.End > max))
            {
                errors.Add($"{field} End is before Start or not in range [{min}-{max}]");
            }

            if (range.Step < 0)
            {
                errors.Add($"{field} has invalid Step");
            }
        }
    }

    private static void CheckInterval(IntervalSpec interval)
    {
        var every = interval.Interval?.ToTimeSpan() ?? TimeSpan.Zero;
        var phase = interval.Phase?.ToTimeSpan() ?? TimeSpan.Zero;
        if (every < ScheduleLimits.MinInterval)
        {
            throw new ScheduleSpecException("interval is too small");
        }

        if (phase < TimeSpan.Zero)
        {
            throw new ScheduleSpecException("phase is negative");
        }

        if (phase >= every)
        {
            throw new ScheduleSpecException("phase cannot be greater than Interval");
        }
    }

    /// <summary>
    /// Finds the zone by its IANA name, as Go's time.LoadLocation: empty and "UTC" are UTC, "Local" is the server's zone.
    /// A spec's TimezoneData (a raw tzdata file) has no .NET reader, so the zone of that name on this machine is used.
    /// </summary>
    private static TimeZoneInfo LoadZone(string name)
    {
        switch (name)
        {
            case "" or "UTC":
                return TimeZoneInfo.Utc;
            case "Local":
                return TimeZoneInfo.Local;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ScheduleSpecException($"unknown time zone {name}", e);
        }
    }
}
