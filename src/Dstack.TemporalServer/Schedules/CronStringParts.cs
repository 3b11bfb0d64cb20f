using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>A parsed cron string: a calendar or an interval, and the time zone it named (empty when none).</summary>
internal sealed record CronStringParts(StructuredCalendarSpec? Calendar, IntervalSpec? Interval, string TimeZone);
