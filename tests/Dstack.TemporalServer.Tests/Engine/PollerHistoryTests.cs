using Dstack.TemporalServer.Engine;

namespace Dstack.TemporalServer.Tests.Engine;

public sealed class PollerHistoryTests
{
    private static readonly DateTime Start = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Recent_WithinTtlOfLastPoll_Listed()
    {
        var sut = new PollerHistory();
        sut.Record(new PollerInfo("worker-a"), Start);

        var recent = Assert.Single(sut.Recent(Start + PollerHistory.Ttl - TimeSpan.FromSeconds(1)));

        Assert.Equal("worker-a", recent.Poller.Identity);
        Assert.Equal(Start, recent.LastAccessTime);
    }

    [Fact]
    public void Recent_TtlAfterLastPoll_Dropped()
    {
        var sut = new PollerHistory();
        sut.Record(new PollerInfo("worker-a"), Start);

        Assert.Empty(sut.Recent(Start + PollerHistory.Ttl));
    }

    [Fact]
    public void Record_SameIdentityAgain_OneEntryWithTheLaterTimeAndDetails()
    {
        var sut = new PollerHistory();
        sut.Record(new PollerInfo("worker-a"), Start);
        var later = Start + TimeSpan.FromMinutes(4);
        sut.Record(new PollerInfo("worker-a", RatePerSecond: 5), later);

        var recent = Assert.Single(sut.Recent(Start + PollerHistory.Ttl + TimeSpan.FromMinutes(1)));

        Assert.Equal(later, recent.LastAccessTime);
        Assert.Equal(5, recent.Poller.RatePerSecond);
    }

    [Fact]
    public void Record_NoIdentity_NotListed()
    {
        var sut = new PollerHistory();
        sut.Record(new PollerInfo(string.Empty), Start);

        Assert.Empty(sut.Recent(Start));
    }

    [Fact]
    public void Recent_ManyIdentitiesOverTime_OnlyFreshOnesListed()
    {
        var sut = new PollerHistory();
        for (var i = 0; i < 100; i++)
        {
            sut.Record(new PollerInfo($"old-{i}"), Start);
        }

        var now = Start + PollerHistory.Ttl + TimeSpan.FromSeconds(1);
        for (var i = 0; i < 100; i++)
        {
            sut.Record(new PollerInfo($"new-{i}"), now);
        }

        var recent = sut.Recent(now);
        Assert.Equal(100, recent.Count);
        Assert.All(recent, r => Assert.StartsWith("new-", r.Poller.Identity, StringComparison.Ordinal));
    }
}
