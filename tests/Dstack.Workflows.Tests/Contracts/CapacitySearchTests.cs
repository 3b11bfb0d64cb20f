using System.Text;
using Dstack.Core.Backends;
using Dstack.Core.Runs;
using Dstack.Workflows.Contracts;
using Temporalio.Converters;

namespace Dstack.Workflows.Tests.Contracts;

/// <summary>The capacity search's steps, and how a continued run carries it.</summary>
public sealed class CapacitySearchTests
{
    private static readonly DateTime Deadline = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void NextRound_DoublesThePauseUpToItsCap()
    {
        var search = CapacitySearch.None.Restart(Deadline, TimeSpan.FromSeconds(5));
        var pauses = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            pauses.Add(search.Backoff.TotalSeconds);
            search = search.NextRound(TimeSpan.FromSeconds(60));
        }

        Assert.Equal([5, 10, 20, 40, 60, 60], pauses);
        Assert.Equal(7, search.Round);
    }

    [Fact]
    public void Restart_NewAttempt_StartsAtRoundOneKeepingWhatWasLearned()
    {
        var search = CapacitySearch.None.Restart(Deadline, TimeSpan.FromSeconds(5))
            .NextRound(TimeSpan.FromSeconds(60))
            .Block(new Instance("aws", "i-1", Offer("us-east-1", spot: true, 0.3m)))
            .WithOnDemandPrices([Offer("us-east-1", spot: false, 1m)])
            .Failed("aws/us-west-2/g5 (spot): no capacity")
            .Restart(Deadline.AddHours(1), TimeSpan.FromSeconds(5));

        Assert.Equal((1, Deadline.AddHours(1), TimeSpan.FromSeconds(5)), (search.Round, search.RetryDeadline, search.Backoff));
        Assert.True(search.IsBlocked(Offer("us-east-1", spot: false, 1m)));
        Assert.False(search.IsBlocked(Offer("us-west-2", spot: true, 0.3m)));
        Assert.Equal(1m, search.OnDemandPrice(Offer("us-east-1", spot: true, 0.3m)));
        Assert.Equal(["aws/us-west-2/g5 (spot): no capacity"], search.CapacityErrors);
    }

    [Fact]
    public void Failed_KeepsTheLastTenErrors()
    {
        var search = CapacitySearch.None;
        for (var i = 1; i <= 25; i++)
        {
            search = search.Failed($"error {i}");
        }

        Assert.Equal(Enumerable.Range(16, 10).Select(i => $"error {i}"), search.CapacityErrors);
    }

    [Fact]
    public void Continuation_WrittenAndRead_CarriesTheSearchInThePayloadShapeOfRunsInFlight()
    {
        var search = CapacitySearch.None.Restart(Deadline, TimeSpan.FromSeconds(20))
            .Block(new Instance("aws", "i-1", Offer("us-east-1", spot: true, 0.3m)))
            .WithOnDemandPrices([Offer("us-east-1", spot: false, 1m)])
            .Failed("no offer: aws: busy");
        var carried = RunContinuation.Of(new RunManifest { Spec = TestSpecs.Bash("r") }, search, 42, ["e"], true, false);

        var payload = DstackDataConverter.Instance.PayloadConverter.ToPayload(carried);
        var json = Encoding.UTF8.GetString(payload.Data.ToByteArray());
        var read = DataConverter.Default.PayloadConverter.ToValue<RunContinuation>(payload);

        // The fields lie flat, as runs continued before the search was one record wrote them.
        Assert.Contains("\"Round\":1", json, StringComparison.Ordinal);
        Assert.Contains("\"BlockedRegions\":[\"aws/us-east-1\"]", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Search\"", json, StringComparison.Ordinal);
        Assert.Equal((search.Round, search.RetryDeadline, search.Backoff), (read.Search.Round, read.Search.RetryDeadline, read.Search.Backoff));
        Assert.Equal(search.BlockedRegions, read.Search.BlockedRegions);
        Assert.Equal(search.CapacityErrors, read.Search.CapacityErrors);
        Assert.Equal(search.OnDemandPrices, read.Search.OnDemandPrices);
        Assert.Equal((42L, true, false), (read.LogOffset, read.StopRequested, read.AbortRequested));
    }

    private static InstanceOffer Offer(string region, bool spot, decimal price) =>
        new("aws", region, "g5", new MachineResources(8, 16L << 30, [], 100L << 30), price, spot, "available");
}
