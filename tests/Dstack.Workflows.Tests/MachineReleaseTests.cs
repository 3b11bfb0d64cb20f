using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Contracts;

namespace Dstack.Workflows.Tests;

/// <summary>The order of a release: clean-up first, then the release, unless the clean-up's own command released the machine.</summary>
public sealed class MachineReleaseTests
{
    private static readonly JobInput Job = new(
        TestSpecs.Bash("run-1", "true"),
        new Instance("ssh", "root@host:22/run-1-1-0-0", new InstanceOffer("ssh", "root@host:22", "host", new MachineResources(1, 1, [], 1), 0m, false, "available")),
        1);

    [Theory]
    [InlineData(true, new[] { "clean-up" })]
    [InlineData(false, new[] { "clean-up", "release" })]
    public async Task RunAsync_CleanUpThatReleasedOrNot_ReleasesOnlyWhenItDidNot(bool releasedByTheCleanUp, string[] expected)
    {
        var steps = new List<string>();

        var result = await MachineRelease.RunAsync(
            new ReleaseInput(Job, CleanUp: true, CleanUpTries: 3),
            attempt: 1,
            () =>
            {
                steps.Add("clean-up");
                return Task.FromResult(releasedByTheCleanUp);
            },
            () =>
            {
                steps.Add("release");
                return Task.CompletedTask;
            });

        Assert.Equal(expected, steps);
        Assert.Null(result.Leftover);
    }

    [Fact]
    public async Task RunAsync_LastCleanUpTryFails_ReleasesAllTheSameAndSaysWhatWasLeft()
    {
        var released = false;

        var result = await MachineRelease.RunAsync(
            new ReleaseInput(Job, CleanUp: true, CleanUpTries: 3),
            attempt: 3,
            () => throw new InvalidOperationException("rm failed"),
            () =>
            {
                released = true;
                return Task.CompletedTask;
            });

        Assert.True(released);
        Assert.Equal("rm failed", result.Leftover);
    }
}
