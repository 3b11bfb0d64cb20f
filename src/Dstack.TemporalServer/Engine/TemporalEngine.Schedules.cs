using Dstack.TemporalServer.Persistence;
using Dstack.TemporalServer.Schedules;
using Microsoft.Extensions.Logging;

namespace Dstack.TemporalServer.Engine;

/// <content>
/// Schedules: kept by namespace and ID, fired by the engine's own timers, stored whole when they change. They act only
/// once the WorkflowService has attached itself as their starter, since real Temporal's scheduler starts workflows
/// through the frontend too.
/// </content>
internal sealed partial class TemporalEngine
{
    private readonly Dictionary<(string Namespace, string Id), ServerSchedule> _schedules = [];
    private readonly HashSet<ServerSchedule> _dirtySchedules = [];
    private readonly List<(string Namespace, string ScheduleId)> _deletedSchedules = [];
    private IScheduledWorkflowStarter? _scheduleStarter;

    /// <summary>Gets what starts the schedules' workflows; set by <see cref="AttachScheduleStarter"/>.</summary>
    public IScheduledWorkflowStarter ScheduleStarter => _scheduleStarter ?? throw new InvalidOperationException("No schedule starter is attached.");

    public ILogger ScheduleLogger => _logger;

    private bool HasScheduleChanges => _dirtySchedules.Count > 0 || _deletedSchedules.Count > 0;

    /// <summary>Lets the schedules start workflows, and wakes those restored from the store: they take what they missed while the server was down.</summary>
    public void AttachScheduleStarter(IScheduledWorkflowStarter starter) => RunLocked(() =>
    {
        _scheduleStarter = starter;
        foreach (var schedule in _schedules.Values.ToList())
        {
            schedule.Resume();
        }
    });

    public ServerSchedule? FindSchedule(ServerNamespace ns, string id) => _schedules.GetValueOrDefault((ns.Name, id));

    public IEnumerable<ServerSchedule> SchedulesOf(ServerNamespace ns) => _schedules.Values.Where(s => s.Namespace == ns);

    public void AddSchedule(ServerSchedule schedule)
    {
        _schedules.Add((schedule.Namespace.Name, schedule.Id), schedule);
        _deletedSchedules.Remove((schedule.Namespace.Name, schedule.Id));
        MarkScheduleDirty(schedule);
    }

    /// <summary>Deletes a schedule; the workflows it started go on.</summary>
    public void RemoveSchedule(ServerSchedule schedule)
    {
        schedule.Close();
        _schedules.Remove((schedule.Namespace.Name, schedule.Id));
        if (_store.IsPersistent)
        {
            _dirtySchedules.Remove(schedule);
            _deletedSchedules.Add((schedule.Namespace.Name, schedule.Id));
        }
    }

    /// <summary>Notes that <paramref name="schedule"/> changed; called under the lock.</summary>
    public void MarkScheduleDirty(ServerSchedule schedule)
    {
        if (_store.IsPersistent && !schedule.IsClosed)
        {
            _dirtySchedules.Add(schedule);
        }
    }

    /// <summary>Runs <paramref name="action"/> under the lock, as a timer does, then commits what it changed.</summary>
    public void RunLocked(Action action)
    {
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                action();
            }
#pragma warning disable CA1031 // Called from continuations with no caller to report to; log and keep the server alive.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _logger.LogError(e, "Schedule action failed");
            }

            Commit();
        }
    }

    /// <summary>The changed schedules' rows; no allocation in the usual commit, which changes none.</summary>
    private IReadOnlyList<ScheduleRecord> CaptureSchedules()
    {
        if (_dirtySchedules.Count == 0)
        {
            return Array.Empty<ScheduleRecord>();
        }

        var records = _dirtySchedules.Select(s => s.CaptureForStore()).ToList();
        _dirtySchedules.Clear();
        return records;
    }

    private IReadOnlyList<(string Namespace, string ScheduleId)> TakeDeletedSchedules()
    {
        if (_deletedSchedules.Count == 0)
        {
            return Array.Empty<(string Namespace, string ScheduleId)>();
        }

        var deleted = _deletedSchedules.ToList();
        _deletedSchedules.Clear();
        return deleted;
    }

    /// <summary>Rebuilds the stored schedules; they wake once a starter is attached.</summary>
    private void RestoreSchedules(IReadOnlyList<ScheduleRecord> records)
    {
        foreach (var record in records)
        {
            if (!_namespaces.TryGetValue(record.Namespace, out var ns))
            {
                _logger.LogWarning("Schedule {ScheduleId} of namespace {Namespace} is not restored: the namespace is not configured", record.ScheduleId, record.Namespace);
                continue;
            }

            var schedule = ServerSchedule.Restore(this, ns, record);
            _schedules.Add((ns.Name, schedule.Id), schedule);
        }

        if (records.Count > 0)
        {
            _logger.LogInformation("Restored {Count} schedules", _schedules.Count);
        }
    }
}
