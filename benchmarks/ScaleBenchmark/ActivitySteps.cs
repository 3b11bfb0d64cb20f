using System.Globalization;
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
        }
    }

    public IEnumerable<string> Describe() =>
        _steps.OrderBy(s => Percentiles.Of(s.Value.Scheduled, 50)).Select(s => string.Create(
            CultureInfo.InvariantCulture,
            $"{s.Key,-28} {Percentiles.Of(s.Value.Scheduled, 50),7:F2} {Percentiles.Of(s.Value.Started, 50),7:F2} {Percentiles.Of(s.Value.Completed, 50),7:F2}  ({s.Value.Scheduled.Count} times)"));

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
