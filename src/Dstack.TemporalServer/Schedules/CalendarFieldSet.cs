using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// The values one field of a structured calendar allows (seconds, hours, days of the week, years...), compiled from its
/// ranges once so that matching a time is a lookup. An empty range list allows nothing, except for the year, where it
/// means every year (how real Temporal encodes <c>*</c> for years).
/// </summary>
internal sealed class CalendarFieldSet
{
    private readonly bool[] _allowed;
    private readonly int _offset;
    private readonly bool _any;

    private CalendarFieldSet(bool[] allowed, int offset, bool any)
    {
        _allowed = allowed;
        _offset = offset;
        _any = any;
    }

    public static CalendarFieldSet Of(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges, int min, int max) =>
        Compile(ranges, min, max, emptyMeansAny: false);

    public static CalendarFieldSet Years(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges) =>
        Compile(ranges, ScheduleLimits.MinCalendarYear, ScheduleLimits.MaxCalendarYear, emptyMeansAny: true);

    public bool Contains(int value) =>
        _any || (value >= _offset && value - _offset < _allowed.Length && _allowed[value - _offset]);

    private static CalendarFieldSet Compile(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges, int min, int max, bool emptyMeansAny)
    {
        var allowed = new bool[max - min + 1];
        var any = emptyMeansAny;
        foreach (var range in ranges)
        {
            any = false;

            // The API's defaults: an end before the start means the start alone, and a step of 0 means 1.
            // Exclusions are not validated, so a range may reach far outside the field; only [min, max] can match.
            var end = Math.Min(Math.Max(range.End, range.Start), max);
            var step = Math.Max(range.Step, 1);
            for (long value = range.Start; value <= end; value += step)
            {
                if (value >= min)
                {
                    allowed[value - min] = true;
                }
            }
        }

        return new CalendarFieldSet(allowed, min, any);
    }
}
