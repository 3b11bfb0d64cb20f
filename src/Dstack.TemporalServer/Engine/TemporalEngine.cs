using Dstack.TemporalServer.Grpc;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// The server's state. One lock guards all of it: every operation is short, and a single lock makes
/// "a task goes to exactly one poller" and the history ordering rules hold without further thought.
/// In persistent mode, operations mark the runs they change; the changes are captured under the lock at the end
/// of each operation and committed in order, and an RPC is answered only after its changes are committed.
/// </summary>
internal sealed partial class TemporalEngine : IDisposable
{
    private static readonly TimeSpan LongestTimerDelay = TimeSpan.FromDays(30);

    private readonly Dictionary<string, ServerNamespace> _namespaces = new(StringComparer.Ordinal);
    private readonly ILogger<TemporalEngine> _logger;
    private readonly IServerStore _store;
    private readonly HashSet<WorkflowRun> _dirty = [];
    private readonly List<string> _deleted = [];
    private readonly ITimer _retentionSweep;
    private bool _searchAttributesDirty;
    private Task _lastCommit = Task.CompletedTask;
    private long _nextRunSequence = 1;
    private bool _disposed;

    public TemporalEngine(IOptions<TemporalServerOptions> options, TimeProvider time, IServerStore store, ILogger<TemporalEngine> logger)
    {
        Options = options.Value;
        Time = time;
        _store = store;
        _logger = logger;
        foreach (var name in Options.Namespaces.Distinct(StringComparer.Ordinal))
        {
            var ns = new ServerNamespace(name);
            foreach (var (attribute, type) in Options.SearchAttributes)
            {
                ns.CustomSearchAttributes[attribute] = type;
            }

            _namespaces.Add(name, ns);
        }

        var state = store.Load();
        ClusterId = state.ClusterId;
        lock (Gate)
        {
            Restore(state);
        }

        // A sweep rather than a timer per closed run: with a 7-day retention that is one timer instead of thousands.
        var period = Options.Retention / 4;
        period = period < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : period > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : period;
        _retentionSweep = Time.CreateTimer(_ => SweepRetention(), null, period, period);
    }

    public Lock Gate { get; } = new();

    public TemporalServerOptions Options { get; }

    public TimeProvider Time { get; }

    /// <summary>Gets the ID GetClusterInfo reports: the same for as long as the state lives (across restarts in persistent mode).</summary>
    public string ClusterId { get; }

    public DateTime UtcNow => Time.GetUtcNow().UtcDateTime;

    public bool IsPersistent => _store.IsPersistent;

    public ServerNamespace Namespace(string name) =>
        _namespaces.TryGetValue(name, out var ns) ? ns : throw ServerErrors.NamespaceNotFound(name);

    public IEnumerable<ServerNamespace> Namespaces => _namespaces.Values;

    public long NextRunSequence() => _nextRunSequence++;

    /// <summary>Notes that <paramref name="run"/> changed; called under the lock.</summary>
    public void MarkDirty(WorkflowRun run)
    {
        if (_store.IsPersistent)
        {
            _dirty.Add(run);
        }
    }

    /// <summary>Notes that custom search attributes changed; called under the lock.</summary>
    public void MarkSearchAttributesDirty() => _searchAttributesDirty = _store.IsPersistent;

    /// <summary>Commits what the operations so far changed; the task completes when it (and all before it) is on disk.</summary>
    public Task PersistAsync()
    {
        if (!_store.IsPersistent)
        {
            return Task.CompletedTask;
        }

        lock (Gate)
        {
            Commit();
            return _lastCommit;
        }
    }

    /// <summary>Runs <paramref name="action"/> under the lock after <paramref name="due"/>. Dispose the result to cancel.</summary>
    public ITimer Schedule(TimeSpan due, Action action) => ScheduleAt(UtcNow + (due < TimeSpan.Zero ? TimeSpan.Zero : due), action);

    /// <summary>Runs <paramref name="action"/> under the lock at <paramref name="dueAt"/> (at once when past). Dispose the result to cancel.</summary>
    public ITimer ScheduleAt(DateTime dueAt, Action action)
    {
        var due = Clamp(dueAt - UtcNow);

        ITimer? timer = null;
        timer = Time.CreateTimer(
            _ =>
            {
                lock (Gate)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    // System timers may fire a few milliseconds early; a Temporal timer never fires before its time.
                    var remaining = dueAt - UtcNow;
                    if (remaining > TimeSpan.Zero && timer is not null)
                    {
                        timer.Change(Clamp(remaining), Timeout.InfiniteTimeSpan);
                        return;
                    }

                    try
                    {
                        action();
                    }
#pragma warning disable CA1031 // A timer callback has no caller to report to; log and keep the server alive.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        _logger.LogError(e, "Timer action failed");
                    }

                    Commit();
                }
            },
            null,
            due,
            Timeout.InfiniteTimeSpan);
        return timer;
    }

    /// <summary>
    /// A timer's delay: none when past, and at most what a system timer accepts (about 49 days). A later time is
    /// reached in steps, as a timer that fires early is set again for what remains.
    /// </summary>
    private static TimeSpan Clamp(TimeSpan due) =>
        due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestTimerDelay ? LongestTimerDelay : due;

    public void Dispose()
    {
        lock (Gate)
        {
            // Timers of this engine may still fire; once disposed they do nothing (a new server may own the file now).
            _disposed = true;
        }

        _retentionSweep.Dispose();
    }

    /// <summary>Removes closed runs older than the retention period, from memory and from the store.</summary>
    internal void SweepRetention()
    {
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            var cutoff = UtcNow - Options.Retention;
            foreach (var ns in _namespaces.Values)
            {
                foreach (var run in ns.RunsById.Values.Where(r => r.CloseTime is { } closed && closed <= cutoff).ToList())
                {
                    ns.Remove(run);
                    if (_store.IsPersistent)
                    {
                        _dirty.Remove(run);
                        _deleted.Add(run.RunId);
                    }
                }
            }

            Commit();
        }
    }

    /// <summary>Captures the pending changes and queues them to the store; called under the lock.</summary>
    private void Commit()
    {
        if (_disposed || (_dirty.Count == 0 && _deleted.Count == 0 && !_searchAttributesDirty && !HasScheduleChanges))
        {
            return;
        }

        var runs = new List<RunRecord>(_dirty.Count);
        foreach (var run in _dirty)
        {
            runs.Add(run.CaptureForStore());
        }

        List<SearchAttributeRecord>? attributes = null;
        if (_searchAttributesDirty)
        {
            attributes = [.. _namespaces.Values.SelectMany(ns => ns.CustomSearchAttributes.Select(a => new SearchAttributeRecord(ns.Name, a.Key, a.Value)))];
        }

        var batch = new StoreBatch(runs, [.. _deleted], attributes) { Schedules = CaptureSchedules(), DeletedSchedules = TakeDeletedSchedules() };
        _dirty.Clear();
        _deleted.Clear();
        _searchAttributesDirty = false;
        _lastCommit = _store.CommitAsync(batch);
    }

    private void Restore(StoredState state)
    {
        foreach (var attribute in state.SearchAttributes)
        {
            if (_namespaces.TryGetValue(attribute.Namespace, out var ns))
            {
                ns.CustomSearchAttributes[attribute.Name] = attribute.Type;
            }
        }

        var restored = new List<WorkflowRun>(state.Runs.Count);
        foreach (var stored in state.Runs)
        {
            if (!_namespaces.TryGetValue(stored.Namespace, out var ns))
            {
                // The namespace was dropped from the command line; keep the rows for when it comes back.
                _logger.LogWarning("Run {RunId} of namespace {Namespace} is not restored: the namespace is not configured", stored.RunId, stored.Namespace);
                continue;
            }

            var run = WorkflowRun.Restore(this, ns, stored);
            ns.Add(run);
            restored.Add(run);
            _nextRunSequence = Math.Max(_nextRunSequence, stored.Sequence + 1);
        }

        foreach (var run in restored)
        {
            run.Resume();
        }

        RestoreSchedules(state.Schedules);

        // Resuming only re-arms timers and queues; nothing changed that is not already stored.
        _dirty.Clear();
        if (restored.Count > 0)
        {
            _logger.LogInformation("Restored {Count} workflow runs ({Open} open)", restored.Count, restored.Count(r => r.IsOpen));
        }
    }
}
