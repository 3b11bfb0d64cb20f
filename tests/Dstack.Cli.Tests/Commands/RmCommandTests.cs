using System.Text;
using Dstack.Core.Runs;
using Dstack.Core.Storage;

namespace Dstack.Cli.Tests.Commands;

public sealed class RmCommandTests
{
    [Fact]
    public async Task Rm_FinishedRun_DeletesItsManifestLogsAndArtifacts()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(1));
        await home.AddRunAsync("sad-fox-2", RunStatus.Failed, TimeSpan.FromDays(1));
        await home.Logs.AppendAsync("old-owl-1", StorageLayout.MainJob, 0, Encoding.UTF8.GetBytes("hello\n"));

        var (exitCode, output) = await home.RunAsync("rm", "old-owl-1", "-y");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("OK", output, StringComparison.Ordinal);
        Assert.Empty(await home.Storage.ListAsync(StorageLayout.RunPrefix("old-owl-1")));
        Assert.NotNull(await home.Manifests.ReadAsync("sad-fox-2"));
    }

    [Fact]
    public async Task Rm_OpenRun_RefusesAndKeepsIt()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));
        await home.StartRunWorkflowAsync("busy-bee-3", "q");

        var (exitCode, output) = await home.RunAsync("rm", "busy-bee-3", "-y");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("Stop the run first", output, StringComparison.Ordinal);
        Assert.NotNull(await home.Manifests.ReadAsync("busy-bee-3"));
    }

    [Fact]
    public async Task Rm_UnfinishedRunTemporalDown_RefusesAndKeepsIt()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));

        var (exitCode, output) = await home.RunAsync("rm", "busy-bee-3", "-y");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("Stop the run first", output, StringComparison.Ordinal);
        Assert.NotNull(await home.Manifests.ReadAsync("busy-bee-3"));
    }

    [Fact]
    public async Task Rm_LostRun_RemovesIt()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));

        var (exitCode, _) = await home.RunAsync("rm", "busy-bee-3", "-y");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Null(await home.Manifests.ReadAsync("busy-bee-3"));
    }

    [Fact]
    public async Task Rm_TerminatedRunWithItsJobLeftRunning_KillsTheJobThenRemovesTheRun()
    {
        await using var home = await TestHome.WithTemporalAsync();
        var manifest = await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));
        await home.Manifests.WriteAsync(manifest with { Attempts = [TestHome.LocalAttempt(manifest.Spec.SubmittedAt)] });
        var job = await home.StartLocalJobAsync("busy-bee-3", "sleep 600\n");
        var handle = await home.StartRunWorkflowAsync("busy-bee-3", "q");
        await handle.TerminateAsync("terminated from the Temporal Web UI");

        var (exitCode, output) = await home.RunAsync("rm", "busy-bee-3", "-y");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("stopped its job on local and released the machine", output, StringComparison.Ordinal);
        Assert.True(await home.ProcessGroupEndsAsync(job, TimeSpan.FromSeconds(30)), "the job's processes outlived the command");
        Assert.False(await home.LocalJobFolderExistsAsync("busy-bee-3"));
        Assert.Null(await home.Manifests.ReadAsync("busy-bee-3"));
    }

    [Fact]
    public async Task RmAll_RemovesFinishedRunsAndKeepsUnfinishedOnes()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(1));
        await home.AddRunAsync("sad-fox-2", RunStatus.Failed, TimeSpan.FromDays(1));
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));

        var (exitCode, output) = await home.RunAsync("rm", "-a", "-y");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("Keeping 1 unfinished run", output, StringComparison.Ordinal);
        Assert.Contains("removed 2 runs", output, StringComparison.Ordinal);
        var left = await home.Manifests.ListAsync();
        Assert.Equal("busy-bee-3", Assert.Single(left).Spec.RunName);
    }

    [Fact]
    public async Task Rm_NotInteractiveWithoutYes_AsksForYesAndKeepsTheRun()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(1));

        var (exitCode, output) = await home.RunAsync("rm", "old-owl-1");

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        Assert.Contains("pass -y to confirm", output, StringComparison.Ordinal);
        Assert.NotNull(await home.Manifests.ReadAsync("old-owl-1"));
    }

    [Fact]
    public async Task Rm_UnknownRun_FailsWithExitOne()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("rm", "no-such-run", "-y");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("run no-such-run not found", output, StringComparison.Ordinal);
    }
}
