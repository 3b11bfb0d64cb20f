using System.Globalization;
using System.Text.Json;
using Temporalio.Common;

namespace Dstack.Benchmarks.Scale;

/// <summary>
/// Where a run's time goes around its job: for each activity type, when it was scheduled, started and completed, in
/// seconds from the job's last line (negative before it), from the run's Temporal history.
/// </summary>
internal sealed class ActivitySteps
{
    private readonly Dictionary<string, (List<double> Scheduled, List<double> Started, List<double> Completed)> _steps = new(StringComparer.Ordinal);

    public void Add(WorkflowHistory history, DateTimeOffset jobEnd)
    {
        var scheduled = new Dictionary<long, string>();
        foreach (var e in history.Events)
        {
            var at = (new DateTimeOffset(e.EventTime.ToDateTime()) - jobEnd).TotalSeconds;
            if (e.ActivityTaskScheduledEventAttributes is { } s)
            {
                scheduled[e.EventId] = s.ActivityType.Name;
                Of(s.ActivityType.Name).Scheduled.Add(at);
            }
            else if (e.ActivityTaskStartedEventAttributes is { } started && scheduled.TryGetValue(started.ScheduledEventId, out var type))
            {
                Of(type).Started.Add(at);
            }
            else if (e.ActivityTaskCompletedEventAttributes is { } completed && scheduled.TryGetValue(completed.ScheduledEventId, out type))
            {
                Of(type).Completed.Add(at);
            }
            else if (e.MarkerRecordedEventAttributes is { MarkerName: "core_local_activity" } marker && LocalActivityType(marker) is { } local)
            {
                // A local activity leaves one marker, when its workflow task completes: it is shown as scheduled, started and completed then.
                var steps = Of($"{local} (local)");
                steps.Scheduled.Add(at);
                steps.Started.Add(at);
                steps.Completed.Add(at);
            }
        }
    }

    public IEnumerable<string> Describe() =>
        _steps.OrderBy(s => Percentiles.Of(s.Value.Scheduled, 50)).Select(s => string.Create(
            CultureInfo.InvariantCulture,
            $"{s.Key,-28} {Percentiles.Of(s.Value.Scheduled, 50),7:F2} {Percentiles.Of(s.Value.Started, 50),7:F2} {Percentiles.Of(s.Value.Completed, 50),7:F2}  ({s.Value.Scheduled.Count} times)"));

    /// <summary>The activity type in a local activity's marker (SDK core's marker data, JSON).</summary>
    private static string? LocalActivityType(Temporalio.Api.History.V1.MarkerRecordedEventAttributes marker)
    {
        if (!marker.Details.TryGetValue("data", out var data) || data.Payloads_.Count == 0)
        {
            return null;
        }

        using var json = JsonDocument.Parse(data.Payloads_[0].Data.Memory);
        return json.RootElement.TryGetProperty("activity_type", out var type) || json.RootElement.TryGetProperty("activityType", out type) ? type.GetString() : null;
    }

    private (List<double> Scheduled, List<double> Started, List<double> Completed) Of(string type)
    {
        if (!_steps.TryGetValue(type, out var lists))
        {
            lists = ([], [], []);
            _steps[type] = lists;
        }

        return lists;
    }
}
