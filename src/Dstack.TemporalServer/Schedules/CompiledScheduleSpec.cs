using System.Text;
using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// A checked schedule spec, ready to answer "when is the next action after this time?": the earliest time any calendar
/// or interval names, within the start and end times, that no exclusion calendar matches, with the spec's jitter added.
/// </summary>
internal sealed class CompiledScheduleSpec
{
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    private readonly IReadOnlyList<CalendarMatcher> _calendars;
    private readonly IReadOnlyList<CalendarMatcher> _exclusions;
    private readonly IReadOnlyList<(long Every, long Phase)> _intervals;
    private readonly DateTime? _start;
    private readonly DateTime? _end;
    private readonly TimeSpan _jitter;

    public CompiledScheduleSpec(ScheduleSpec canonical, TimeZoneInfo zone)
    {
        Canonical = canonical;
        _calendars = [.. canonical.StructuredCalendar.Select(c => new CalendarMatcher(c, zone))];
        _exclusions = [.. canonical.ExcludeStructuredCalendar.Select(c => new CalendarMatcher(c, zone))];
        _intervals = [.. canonical.Interval.Select(i => (
            Math.Max((long)i.Interval.ToTimeSpan().TotalSeconds, 1),
            Math.Max((long)(i.Phase?.ToTimeSpan() ?? TimeSpan.Zero).TotalSeconds, 0)))];
        _start = canonical.StartTime?.ToDateTime();
        _end = canonical.EndTime?.ToDateTime();
        _jitter = canonical.Jitter?.ToTimeSpan() ?? TimeSpan.Zero;
    }

    /// <summary>Gets the spec as real Temporal stores and describes it: calendars structured, no cron strings.</summary>
    public ScheduleSpec Canonical { get; }

    /// <summary>
    /// The first action after <paramref name="after"/>, or null when the spec names no more. Jitter is derived from
    /// <paramref name="jitterSeed"/> and the nominal time, so the same time always gets the same delay, and it never
    /// reaches the following nominal time.
    /// </summary>
    public ScheduleTime? NextTime(DateTime after, string jitterSeed)
    {
        // Step back a second so that a start time that matches is itself the first action.
        if (_start is { } start && after < start - TimeSpan.FromSeconds(1))
        {
            after = start - TimeSpan.FromSeconds(1);
        }

        for (var skipped = 0; skipped < ScheduleLimits.MaxSkippedTimes; skipped++)
        {
            if (RawNext(after) is not { } nominal || nominal > _end || nominal.Year > ScheduleLimits.MaxCalendarYear)
            {
                return null;
            }

            if (!_exclusions.Any(e => e.Matches(nominal)))
            {
                var maxJitter = RawNext(nominal) is { } following && following - nominal < _jitter ? following - nominal : _jitter;
                return new ScheduleTime(nominal, nominal + Jitter(jitterSeed, nominal, maxJitter));
            }

            after = nominal;
        }

        return null;
    }

    /// <summary>A delay in [0, <paramref name="max"/>) at millisecond resolution, from a hash of the seed and the time.</summary>
    private static TimeSpan Jitter(string seed, DateTime nominal, TimeSpan max)
    {
        if (max <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // FNV-1a: stable across processes and restarts, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var b in BitConverter.GetBytes(nominal.Ticks).Concat(Encoding.UTF8.GetBytes(seed)))
        {
            hash = (hash ^ b) * 16777619u;
        }

        var milliseconds = (ulong)Math.Min(max.TotalMilliseconds, uint.MaxValue);
        return TimeSpan.FromMilliseconds((long)((hash * milliseconds) >> 32));
    }

    private DateTime? RawNext(DateTime after)
    {
        DateTime? earliest = null;
        foreach (var calendar in _calendars)
        {
            if (calendar.Next(after) is { } next && (earliest is null || next < earliest))
            {
                earliest = next;
            }
        }

        // Intervals count whole seconds from the Unix epoch, shifted by their phase.
        var seconds = Math.DivRem(after.Ticks - UnixEpochTicks, TimeSpan.TicksPerSecond, out var remainder) - (remainder < 0 ? 1 : 0);
        foreach (var (every, phase) in _intervals)
        {
            var next = new DateTime(UnixEpochTicks + (((((seconds - phase) / every) + 1) * every) + phase) * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
            if (earliest is null || next < earliest)
            {
                earliest = next;
            }
        }

        return earliest;
    }
}
