using System.Globalization;
using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// Turns a calendar written as strings (a <see cref="CalendarSpec"/> or the fields of a cron string) into ranges, with
/// real Temporal's syntax (<c>*</c>, <c>x</c>, <c>x-z</c>, <c>x-z/y</c>, <c>x/y</c>, lists joined by commas, month
/// and weekday names), defaults and error messages. Ranges come out in the API's compact form: an end equal to the
/// start and a step of 1 are left at 0.
/// </summary>
internal static class CalendarStringParser
{
    private static readonly string[] MonthNames =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    private static readonly string[] WeekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private enum Names
    {
        None,
        Year,
        Month,
        Weekday,
    }

    /// <summary>Parses every field; throws <see cref="ScheduleSpecException"/> listing all bad fields.</summary>
    public static StructuredCalendarSpec Parse(CalendarSpec calendar)
    {
        var errors = new List<string>();
        var structured = new StructuredCalendarSpec { Comment = calendar.Comment };
        structured.Second.AddRange(Field(calendar.Second, "Second", "0", 0, 59, Names.None, errors));
        structured.Minute.AddRange(Field(calendar.Minute, "Minute", "0", 0, 59, Names.None, errors));
        structured.Hour.AddRange(Field(calendar.Hour, "Hour", "0", 0, 23, Names.None, errors));
        structured.DayOfWeek.AddRange(Field(calendar.DayOfWeek, "DayOfWeek", "*", 0, 7, Names.Weekday, errors));
        structured.DayOfMonth.AddRange(Field(calendar.DayOfMonth, "DayOfMonth", "*", 1, 31, Names.None, errors));
        structured.Month.AddRange(Field(calendar.Month, "Month", "*", 1, 12, Names.Month, errors));
        structured.Year.AddRange(Field(calendar.Year, "Year", "*", ScheduleLimits.MinCalendarYear, ScheduleLimits.MaxCalendarYear, Names.Year, errors));
        return errors.Count == 0 ? structured : throw new ScheduleSpecException(string.Join(", ", errors));
    }

    private static List<Temporalio.Api.Schedule.V1.Range> Field(string text, string field, string fallback, int min, int max, Names names, List<string> errors)
    {
        try
        {
            return Ranges(text, field, fallback, min, max, names);
        }
        catch (ScheduleSpecException e)
        {
            errors.Add(e.Message);
            return [];
        }
    }

    private static List<Temporalio.Api.Schedule.V1.Range> Ranges(string text, string field, string fallback, int min, int max, Names names)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            text = fallback;
        }

        var ranges = new List<Temporalio.Api.Schedule.V1.Range>();

        // Every year is the empty list, so that a year field does not hold a hundred values.
        if (text == "*" && names == Names.Year)
        {
            return ranges;
        }

        foreach (var item in text.Split(','))
        {
            var body = item;
            var step = 1;
            var stepped = false;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                if (item.IndexOf('/', slash + 1) >= 0)
                {
                    throw new ScheduleSpecException($"{field} has too many slashes");
                }

                var stepText = item[(slash + 1)..];
                if (stepText.Length == 0)
                {
                    throw new ScheduleSpecException($"{field} missing step value");
                }

                if (!int.TryParse(stepText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out step))
                {
                    throw new ScheduleSpecException($"strconv.Atoi: parsing \"{stepText}\": invalid syntax");
                }

                if (step < 1)
                {
                    throw new ScheduleSpecException($"{field} has invalid Step");
                }

                body = item[..slash];
                stepped = true;
            }

            int start = min, end = max;
            if (body != "*")
            {
                var dash = body.IndexOf('-', StringComparison.Ordinal);
                if (dash >= 0)
                {
                    if (body.IndexOf('-', dash + 1) >= 0)
                    {
                        throw new ScheduleSpecException($"{field} has too many dashes");
                    }

                    start = Value(body[..dash], min, max, names) ?? throw new ScheduleSpecException($"{field} Start is not in range [{min}-{max}]");
                    end = Value(body[(dash + 1)..], start, max, names) ?? throw new ScheduleSpecException($"{field} End is before Start or not in range [{min}-{max}]");
                }
                else
                {
                    start = Value(body, min, max, names) ?? throw new ScheduleSpecException($"{field} is not in range [{min}-{max}]");

                    // "x/y" runs from x to the field's maximum; a lone "x" is x alone.
                    end = stepped ? max : start;
                }
            }

            // Day 7 is Sunday too, which is day 0 in the API.
            if (names == Names.Weekday && end == 7)
            {
                if ((7 - start) % step == 0 && (step > 1 || start > 1))
                {
                    ranges.Add(new Temporalio.Api.Schedule.V1.Range { Start = 0 });
                    if (start == 7)
                    {
                        continue;
                    }
                }

                end = 6;
            }

            ranges.Add(new Temporalio.Api.Schedule.V1.Range { Start = start, End = end == start ? 0 : end, Step = step == 1 ? 0 : step });
        }

        return ranges;
    }

    /// <summary>Reads a number, or a month or weekday name by its prefix (three letters for months, two for weekdays).</summary>
    private static int? Value(string text, int min, int max, Names names)
    {
        var lower = text.ToLowerInvariant();
        var (candidates, shortest, first) = names switch
        {
            Names.Month => (MonthNames, 3, 1),
            Names.Weekday => (WeekdayNames, 2, 0),
            _ => (Array.Empty<string>(), 0, 0),
        };
        if (lower.Length >= shortest && candidates.Length > 0)
        {
            for (var i = 0; i < candidates.Length; i++)
            {
                if (candidates[i].StartsWith(lower, StringComparison.Ordinal))
                {
                    return i + first >= min && i + first <= max ? i + first : null;
                }
            }
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value : null;
    }
}
