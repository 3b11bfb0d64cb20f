namespace Dstack.TemporalServer.Schedules;

/// <summary>One time a schedule acts: when the spec names it (<paramref name="Nominal"/>) and when, after jitter, it starts (<paramref name="Next"/>).</summary>
internal readonly record struct ScheduleTime(DateTime Nominal, DateTime Next);
