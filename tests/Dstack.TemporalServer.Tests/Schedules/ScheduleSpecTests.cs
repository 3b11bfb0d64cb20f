using Dstack.TemporalServer.Schedules;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Schedule.V1;
using ProtoRange = Temporalio.Api.Schedule.V1.Range;

namespace Dstack.TemporalServer.Tests.Schedules;

/// <summary>Spec evaluation, checked against times worked out by hand from real Temporal's documented rules.</summary>
public sealed class ScheduleSpecTests
{
    private const string Seed = "default-sched";

    [Fact]
    public void NextTime_Interval_AlignedToTheEpoch()
    {
        var sut = Compile(new ScheduleSpec { Interval = { Every(TimeSpan.FromMinutes(1)) } });

        var next = sut.NextTime(Utc(2024, 1, 1, 10, 20, 30), Seed);

        Assert.Equal(Utc(2024, 1, 1, 10, 21, 0), next?.Nominal);
        Assert.Equal(next?.Nominal, next?.Next);
    }

    [Fact]
    public void NextTime_IntervalWithPhase_ShiftedByThePhase()
    {
        var sut = Compile(new ScheduleSpec { Interval = { Every(TimeSpan.FromHours(1), TimeSpan.FromMinutes(15)) } });

        Assert.Equal(Utc(2024, 1, 1, 11, 15, 0), sut.NextTime(Utc(2024, 1, 1, 10, 20, 0), Seed)?.Nominal);
        Assert.Equal(Utc(2024, 1, 1, 11, 15, 0), sut.NextTime(Utc(2024, 1, 1, 10, 15, 0), Seed)?.Nominal);
    }

    [Fact]
    public void NextTime_CalendarOfDefaults_EveryMidnight()
    {
        var sut = Compile(new ScheduleSpec { Calendar = { new CalendarSpec() } });

        Assert.Equal(Utc(2024, 1, 2), sut.NextTime(Utc(2024, 1, 1, 0, 0, 0), Seed)?.Nominal);
        Assert.Equal(Utc(2024, 1, 2), sut.NextTime(Utc(2024, 1, 1, 23, 59, 59), Seed)?.Nominal);
    }

    [Fact]
    public void NextTime_RangeWithStep_EveryStepWithinTheRange()
    {
        var sut = Compile(new ScheduleSpec { Calendar = { new CalendarSpec { Hour = "4-10/3", DayOfMonth = "*" } } });

        var times = Times(sut, Utc(2024, 1, 1), 4);

        Assert.Equal([Utc(2024, 1, 1, 4, 0, 0), Utc(2024, 1, 1, 7, 0, 0), Utc(2024, 1, 1, 10, 0, 0), Utc(2024, 1, 2, 4, 0, 0)], times);
    }

    [Fact]
    public void NextTime_WeekdaysAndMonthByName_MatchOnlyThose()
    {
        var sut = Compile(new ScheduleSpec { Calendar = { new CalendarSpec { Hour = "9", DayOfWeek = "mon-fri", Month = "feb" } } });

        // 2024-01-31 is a Wednesday; February 2024 starts on a Thursday, then the weekend.
        var times = Times(sut, Utc(2024, 1, 31), 3);

        Assert.Equal([Utc(2024, 2, 1, 9, 0, 0), Utc(2024, 2, 2, 9, 0, 0), Utc(2024, 2, 5, 9, 0, 0)], times);
    }

    [Fact]
    public void Compile_CronString_BecomesTheCalendarTheSdkExpects()
    {
        var sut = Compile(new ScheduleSpec { CronString = { "0 12 * * MON" } });

        var calendar = Assert.Single(sut.Canonical.StructuredCalendar);
        Assert.Empty(sut.Canonical.CronString);
        Assert.Equal([new ProtoRange { Start = 0 }], calendar.Second);
        Assert.Equal([new ProtoRange { Start = 0 }], calendar.Minute);
        Assert.Equal([new ProtoRange { Start = 12 }], calendar.Hour);
        Assert.Equal([new ProtoRange { Start = 1, End = 31 }], calendar.DayOfMonth);
        Assert.Equal([new ProtoRange { Start = 1, End = 12 }], calendar.Month);
        Assert.Equal([new ProtoRange { Start = 1 }], calendar.DayOfWeek);
        Assert.Empty(calendar.Year);
    }

    [Fact]
    public void Compile_CronWeekdaySeven_IsSunday()
    {
        var sut = Compile(new ScheduleSpec { CronString = { "0 0 * * 5-7" } });

        Assert.Equal([new ProtoRange { Start = 0 }, new ProtoRange { Start = 5, End = 6 }], sut.Canonical.StructuredCalendar[0].DayOfWeek);
    }

    [Fact]
    public void Compile_CronEveryWithPhase_BecomesAnInterval()
    {
        var sut = Compile(new ScheduleSpec { CronString = { "@every 90m/30m" } });

        var interval = Assert.Single(sut.Canonical.Interval);
        Assert.Equal(TimeSpan.FromMinutes(90), interval.Interval.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMinutes(30), interval.Phase.ToTimeSpan());
    }

    [Fact]
    public void NextTime_CronDailyWithSecondsField_FollowsAllSevenFields()
    {
        var sut = Compile(new ScheduleSpec { CronString = { "30 15 10 * * * 2025 # a comment" } });

        Assert.Equal(Utc(2025, 1, 1, 10, 15, 30), sut.NextTime(Utc(2024, 6, 1), Seed)?.Nominal);
        Assert.Equal("a comment", sut.Canonical.StructuredCalendar[0].Comment);
    }

    [Fact]
    public void NextTime_CronTimeZone_FollowsTheZonesDaylightSaving()
    {
        var sut = Compile(new ScheduleSpec { CronString = { "CRON_TZ=America/New_York 0 9 * * *" } });

        Assert.Equal("America/New_York", sut.Canonical.TimezoneName);
        Assert.Equal(Utc(2024, 7, 1, 13, 0, 0), sut.NextTime(Utc(2024, 7, 1), Seed)?.Nominal);
        Assert.Equal(Utc(2024, 12, 2, 14, 0, 0), sut.NextTime(Utc(2024, 12, 2), Seed)?.Nominal);
    }

    [Fact]
    public void NextTime_WallClockTimeSkippedBySpringForward_NeverMatches()
    {
        var sut = Compile(new ScheduleSpec { TimezoneName = "America/New_York", Calendar = { new CalendarSpec { Hour = "2", Minute = "30" } } });

        // 2024-03-10 02:30 does not exist in New York; the next 02:30 is the day after (EDT, UTC-4).
        Assert.Equal(Utc(2024, 3, 11, 6, 30, 0), sut.NextTime(Utc(2024, 3, 10, 0, 0, 0), Seed)?.Nominal);
    }

    [Fact]
    public void NextTime_WallClockTimeRepeatedByFallBack_MatchesBothInstants()
    {
        var sut = Compile(new ScheduleSpec { TimezoneName = "America/New_York", Calendar = { new CalendarSpec { Hour = "1", Minute = "30" } } });

        // 2024-11-03 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
        var times = Times(sut, Utc(2024, 11, 3, 0, 0, 0), 3);

        Assert.Equal([Utc(2024, 11, 3, 5, 30, 0), Utc(2024, 11, 3, 6, 30, 0), Utc(2024, 11, 4, 6, 30, 0)], times);
    }

    [Fact]
    public void NextTime_ExcludedCalendar_SkipsItsTimes()
    {
        var sut = Compile(new ScheduleSpec
        {
            Calendar = { new CalendarSpec { Hour = "9" } },
            ExcludeStructuredCalendar = { CalendarStringParser.Parse(new CalendarSpec { Hour = "*", Minute = "*", Second = "*", DayOfWeek = "sat,sun" }) },
        });

        // 2024-01-05 is a Friday.
        Assert.Equal([Utc(2024, 1, 5, 9, 0, 0), Utc(2024, 1, 8, 9, 0, 0)], Times(sut, Utc(2024, 1, 5), 2));
    }

    [Fact]
    public void NextTime_StartAndEndTime_BoundTheActions()
    {
        var sut = Compile(new ScheduleSpec
        {
            Interval = { Every(TimeSpan.FromHours(1)) },
            StartTime = Timestamp.FromDateTime(Utc(2024, 1, 1, 5, 0, 0)),
            EndTime = Timestamp.FromDateTime(Utc(2024, 1, 1, 7, 0, 0)),
        });

        Assert.Equal([Utc(2024, 1, 1, 5, 0, 0), Utc(2024, 1, 1, 6, 0, 0), Utc(2024, 1, 1, 7, 0, 0)], Times(sut, Utc(2024, 1, 1), 5));
    }

    [Fact]
    public void NextTime_Jitter_SameDelayForTheSameTimeAndBelowTheNextAction()
    {
        var sut = Compile(new ScheduleSpec { Interval = { Every(TimeSpan.FromMinutes(1)) }, Jitter = Duration.FromTimeSpan(TimeSpan.FromHours(1)) });

        var delays = Enumerable.Range(0, 50)
            .Select(i => sut.NextTime(Utc(2024, 1, 1) + TimeSpan.FromMinutes(i), Seed)!.Value)
            .Select(t => t.Next - t.Nominal)
            .ToList();

        // The jitter is capped by the gap to the following action (a minute), not the spec's hour.
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(1)));
        Assert.True(delays.Distinct().Count() > 10, "the delays should vary");
        Assert.Equal(sut.NextTime(Utc(2024, 1, 1), Seed), sut.NextTime(Utc(2024, 1, 1), Seed));
    }

    [Theory]
    [InlineData("Hour", "25", "Hour is not in range [0-23]")]
    [InlineData("Minute", "5-70", "Minute End is before Start or not in range [0-59]")]
    [InlineData("Second", "1/2/3", "Second has too many slashes")]
    [InlineData("DayOfMonth", "1-2-3", "DayOfMonth has too many dashes")]
    [InlineData("Month", "smarch", "Month is not in range [1-12]")]
    public void Compile_BadCalendarString_RealTemporalsMessage(string field, string value, string message)
    {
        var calendar = new CalendarSpec();
        typeof(CalendarSpec).GetProperty(field)!.SetValue(calendar, value);

        var e = Assert.Throws<ScheduleSpecException>(() => Compile(new ScheduleSpec { Calendar = { calendar } }));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Compile_StructuredRangeOutOfBounds_InvalidCalendarSpec()
    {
        var calendar = new StructuredCalendarSpec { Second = { new ProtoRange { Start = 60 } }, Hour = { new ProtoRange { Start = 1, End = 24 } } };

        var e = Assert.Throws<ScheduleSpecException>(() => Compile(new ScheduleSpec { StructuredCalendar = { calendar } }));

        Assert.Equal("invalid calendar spec: Second Start is not in range [0-59], Hour End is before Start or not in range [0-23]", e.Message);
    }

    [Theory]
    [InlineData(500, 0, "interval is too small")]
    [InlineData(60_000, 60_000, "phase cannot be greater than Interval")]
    [InlineData(60_000, -1_000, "phase is negative")]
    public void Compile_BadInterval_RealTemporalsMessage(int everyMs, int phaseMs, string message)
    {
        var spec = new ScheduleSpec { Interval = { Every(TimeSpan.FromMilliseconds(everyMs), TimeSpan.FromMilliseconds(phaseMs)) } };

        Assert.Equal(message, Assert.Throws<ScheduleSpecException>(() => Compile(spec)).Message);
    }

    [Theory]
    [InlineData("0 12 * *", "CronString does not have 5-7 fields")]
    [InlineData("TZ=Europe/Paris", "CronString has time zone but missing fields")]
    [InlineData("@every soon", "time: invalid duration \"soon\"")]
    public void Compile_BadCronString_RealTemporalsMessage(string cron, string message)
    {
        Assert.Equal(message, Assert.Throws<ScheduleSpecException>(() => Compile(new ScheduleSpec { CronString = { cron } })).Message);
    }

    [Fact]
    public void Compile_CronZonesDisagree_ConflictingTimezoneNames()
    {
        var spec = new ScheduleSpec { CronString = { "TZ=Europe/Paris 0 * * * *", "0 1 * * *" } };

        Assert.Equal("conflicting timezone names", Assert.Throws<ScheduleSpecException>(() => Compile(spec)).Message);
    }

    [Fact]
    public void Compile_UnknownZone_UnknownTimeZone()
    {
        var spec = new ScheduleSpec { TimezoneName = "Mars/Olympus_Mons", Interval = { Every(TimeSpan.FromHours(1)) } };

        Assert.Equal("unknown time zone Mars/Olympus_Mons", Assert.Throws<ScheduleSpecException>(() => Compile(spec)).Message);
    }

    private static CompiledScheduleSpec Compile(ScheduleSpec spec) => ScheduleSpecCompiler.Compile(spec);

    private static IntervalSpec Every(TimeSpan every, TimeSpan? phase = null) => new()
    {
        Interval = Duration.FromTimeSpan(every),
        Phase = phase is { } p ? Duration.FromTimeSpan(p) : null,
    };

    private static DateTime Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, DateTimeKind.Utc);

    private static List<DateTime> Times(CompiledScheduleSpec spec, DateTime after, int count)
    {
        var times = new List<DateTime>();
        while (times.Count < count && spec.NextTime(after, Seed) is { } next)
        {
            times.Add(next.Nominal);
            after = next.Next;
        }

        return times;
    }
}
