using Dstack.TemporalServer.Grpc;
using Dstack.TemporalServer.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// The server's state. One lock guards all of it: every operation is short, and a single lock makes
/// "a task goes to exactly one poller" and the history ordering rules hold without further thought.
/// </summary>
internal sealed class TemporalEngine
{
    private readonly Dictionary<string, ServerNamespace> _namespaces = new(StringComparer.Ordinal);
    private readonly ILogger<TemporalEngine> _logger;

    public TemporalEngine(IOptions<TemporalServerOptions> options, TimeProvider time, ILogger<TemporalEngine> logger)
    {
        Options = options.Value;
        Time = time;
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
    }

    public Lock Gate { get; } = new();

    public TemporalServerOptions Options { get; }

    public TimeProvider Time { get; }

    public DateTime UtcNow => Time.GetUtcNow().UtcDateTime;

    public ServerNamespace Namespace(string name) =>
        _namespaces.TryGetValue(name, out var ns) ? ns : throw ServerErrors.NamespaceNotFound(name);

    public IEnumerable<ServerNamespace> Namespaces => _namespaces.Values;

    /// <summary>Runs <paramref name="action"/> under the lock after <paramref name="due"/>. Dispose the result to cancel.</summary>
    public ITimer Schedule(TimeSpan due, Action action)
    {
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        var dueAt = Time.GetUtcNow() + due;
        ITimer? timer = null;
        timer = Time.CreateTimer(
            _ =>
            {
                lock (Gate)
                {
                    // System timers may fire a few milliseconds early; a Temporal timer never fires before its time.
                    var remaining = dueAt - Time.GetUtcNow();
                    if (remaining > TimeSpan.Zero && timer is not null)
                    {
                        timer.Change(remaining, Timeout.InfiniteTimeSpan);
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
                }
            },
            null,
            due,
            Timeout.InfiniteTimeSpan);
        return timer;
    }
}
