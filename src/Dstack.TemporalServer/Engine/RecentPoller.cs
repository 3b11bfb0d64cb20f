namespace Dstack.TemporalServer.Engine;

/// <summary>A poller that polled a queue lately, and when it last did.</summary>
internal sealed record RecentPoller(PollerInfo Poller, DateTime LastAccessTime);
