using Dstack.TemporalServer.Engine;

namespace Dstack.TemporalServer.Tests.Engine;

public sealed class WorkflowTaskBackoffTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ExtraTime_FirstThreeAttempts_None(int attempt) =>
        Assert.Equal(TimeSpan.Zero, WorkflowTaskBackoff.ExtraTime(attempt, 0.5));

    [Theory]
    [InlineData(4, 5)]
    [InlineData(5, 10)]
    [InlineData(6, 20)]
    [InlineData(10, 320)]
    [InlineData(11, 600)]
    [InlineData(1000, 600)]
    public void ExtraTime_FromAttemptFour_DoublesUpToTenMinutesLessJitter(int attempt, int fullSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(fullSeconds * 0.8), WorkflowTaskBackoff.ExtraTime(attempt, 0));
        Assert.Equal(TimeSpan.FromSeconds(fullSeconds * 0.9), WorkflowTaskBackoff.ExtraTime(attempt, 0.5));
        Assert.True(WorkflowTaskBackoff.ExtraTime(attempt, 0.999999) < TimeSpan.FromSeconds(fullSeconds));
    }

    [Fact]
    public void StartToCloseTimeout_AttemptFour_TaskTimeoutPlusFourToFiveSeconds()
    {
        var timeout = WorkflowTaskBackoff.StartToCloseTimeout(TimeSpan.FromSeconds(10), 4);

        Assert.InRange(timeout, TimeSpan.FromSeconds(14), TimeSpan.FromSeconds(15));
    }
}
