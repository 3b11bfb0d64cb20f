using Dstack.TemporalServer.Schedules;
using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Tests.Schedules;

/// <summary>The overlap policies as Temporal documents them, applied to a buffer of three due actions.</summary>
public sealed class OverlapBufferTests
{
    private static readonly DateTime Start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(ScheduleOverlapPolicy.Skip)]
    [InlineData(ScheduleOverlapPolicy.BufferOne)]
    [InlineData(ScheduleOverlapPolicy.BufferAll)]
    [InlineData(ScheduleOverlapPolicy.AllowAll)]
    public void Decide_NothingRunning_FirstStartsWhateverThePolicy(ScheduleOverlapPolicy policy)
    {
        var buffer = Buffer(1);

        var sut = OverlapBuffer.Decide(buffer, running: false, Resolve(policy));

        Assert.Same(buffer[0], policy == ScheduleOverlapPolicy.AllowAll ? Assert.Single(sut.Overlapping) : sut.NonOverlapping);
    }

    [Fact]
    public void Decide_SkipWhileRunning_AllSkipped()
    {
        var sut = OverlapBuffer.Decide(Buffer(3), running: true, Resolve(ScheduleOverlapPolicy.Skip));

        Assert.Null(sut.NonOverlapping);
        Assert.Empty(sut.Remaining);
        Assert.Equal(3, sut.Skipped);
    }

    [Fact]
    public void Decide_BufferOneNothingRunning_FirstStartsSecondWaitsThirdSkipped()
    {
        var buffer = Buffer(3);

        var sut = OverlapBuffer.Decide(buffer, running: false, Resolve(ScheduleOverlapPolicy.BufferOne));

        Assert.Same(buffer[0], sut.NonOverlapping);
        Assert.Same(buffer[1], Assert.Single(sut.Remaining));
        Assert.Equal(1, sut.Skipped);
    }

    [Fact]
    public void Decide_BufferAllWhileRunning_AllWaitInOrder()
    {
        var buffer = Buffer(3);

        var sut = OverlapBuffer.Decide(buffer, running: true, Resolve(ScheduleOverlapPolicy.BufferAll));

        Assert.Null(sut.NonOverlapping);
        Assert.Equal(buffer, sut.Remaining);
        Assert.Equal(0, sut.Skipped);
    }

    [Theory]
    [InlineData(ScheduleOverlapPolicy.CancelOther)]
    [InlineData(ScheduleOverlapPolicy.TerminateOther)]
    public void Decide_StopOtherWhileRunning_StopsTheRunningOneAndWaits(ScheduleOverlapPolicy policy)
    {
        var buffer = Buffer(1);

        var sut = OverlapBuffer.Decide(buffer, running: true, Resolve(policy));

        Assert.Equal(policy == ScheduleOverlapPolicy.CancelOther, sut.CancelRunning);
        Assert.Equal(policy == ScheduleOverlapPolicy.TerminateOther, sut.TerminateRunning);
        Assert.Null(sut.NonOverlapping);
        Assert.Same(buffer[0], Assert.Single(sut.Remaining));
    }

    [Fact]
    public void Decide_TerminateOtherNothingRunning_LastOneReplacesTheOthers()
    {
        var buffer = Buffer(3);

        var sut = OverlapBuffer.Decide(buffer, running: false, Resolve(ScheduleOverlapPolicy.TerminateOther));

        Assert.Same(buffer[2], sut.NonOverlapping);
        Assert.Empty(sut.Remaining);
        Assert.False(sut.TerminateRunning);
    }

    [Fact]
    public void Decide_UnspecifiedStart_FollowsTheSchedulesPolicy()
    {
        var buffer = Buffer(2, ScheduleOverlapPolicy.Unspecified);

        var sut = OverlapBuffer.Decide(buffer, running: true, p => p == ScheduleOverlapPolicy.Unspecified ? ScheduleOverlapPolicy.BufferAll : p);

        Assert.Equal(buffer, sut.Remaining);
    }

    [Fact]
    public void Decide_AllowAllBesideATerminate_NotStarted()
    {
        var buffer = new List<BufferedStart>
        {
            new(Start, Start, ScheduleOverlapPolicy.AllowAll, Manual: true),
            new(Start.AddMinutes(1), Start.AddMinutes(1), ScheduleOverlapPolicy.TerminateOther, Manual: true),
        };

        var sut = OverlapBuffer.Decide(buffer, running: true, p => p);

        Assert.Empty(sut.Overlapping);
        Assert.True(sut.TerminateRunning);
    }

    private static Func<ScheduleOverlapPolicy, ScheduleOverlapPolicy> Resolve(ScheduleOverlapPolicy policy) => _ => policy;

    private static List<BufferedStart> Buffer(int count, ScheduleOverlapPolicy policy = ScheduleOverlapPolicy.Unspecified) =>
        [.. Enumerable.Range(0, count).Select(i => new BufferedStart(Start.AddMinutes(i), Start.AddMinutes(i), policy, Manual: false))];
}
