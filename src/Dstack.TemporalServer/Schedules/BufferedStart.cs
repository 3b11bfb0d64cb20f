using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// An action waiting to start: its nominal time (which names the workflow), the time it became due (after jitter), the
/// overlap policy it was asked with (unspecified follows the schedule's policy at the time it is looked at), and
/// whether it was asked for by hand (trigger or backfill), which the pause and the remaining actions do not stop.
/// </summary>
internal sealed record BufferedStart(DateTime Nominal, DateTime Actual, ScheduleOverlapPolicy Overlap, bool Manual);
