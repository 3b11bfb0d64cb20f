namespace Dstack.TemporalServer.Engine;

/// <summary>
/// The pollers that polled one queue lately, kept as real Temporal's matching service keeps them for DescribeTaskQueue:
/// one entry per identity, stamped when a poll starts and again when it ends, forgotten <see cref="Ttl"/> after the last stamp.
/// Used under the engine lock.
/// </summary>
internal sealed class PollerHistory
{
    /// <summary>How long a poller stays listed after its last poll: real Temporal's <c>matching.PollerHistoryTTL</c>.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private const int MinimumPruneSize = 16;

    private readonly Dictionary<string, RecentPoller> _pollers = new(StringComparer.Ordinal);
    private int _pruneAt = MinimumPruneSize;

    /// <summary>Stamps <paramref name="poller"/> with <paramref name="now"/>; anonymous pollers are not kept, as in real Temporal.</summary>
    public void Record(PollerInfo poller, DateTime now)
    {
        if (poller.Identity.Length == 0)
        {
            return;
        }

        _pollers[poller.Identity] = new RecentPoller(poller, now);

        // Workers that come and go under new identities would otherwise pile up until the next describe.
        if (_pollers.Count >= _pruneAt)
        {
            RemoveExpired(now);
            _pruneAt = Math.Max(MinimumPruneSize, _pollers.Count * 2);
        }
    }

    /// <summary>Gets the pollers stamped within <see cref="Ttl"/> before <paramref name="now"/>.</summary>
    public IReadOnlyList<RecentPoller> Recent(DateTime now)
    {
        RemoveExpired(now);
        return [.. _pollers.Values];
    }

    private void RemoveExpired(DateTime now)
    {
        var cutoff = now - Ttl;
        foreach (var (identity, recent) in _pollers)
        {
            if (recent.LastAccessTime <= cutoff)
            {
                _pollers.Remove(identity);
            }
        }
    }
}
