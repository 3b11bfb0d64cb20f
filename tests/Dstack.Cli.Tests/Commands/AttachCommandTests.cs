using Dstack.Core.Configuration;
using Dstack.Core.Runs;

namespace Dstack.Cli.Tests.Commands;

public sealed class AttachCommandTests
{
    [Fact]
    public async Task Attach_FinishedRun_SaysOnlyRunningRunsCanBeAttachedTo()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("wise-owl-1", RunStatus.Done, TimeSpan.FromMinutes(5), m => m with { Spec = m.Spec with { Provider = WorkflowProvider.Notebook } });

        var (exitCode, output) = await home.RunAsync("attach", "wise-owl-1");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("run wise-owl-1 is done; only a running run can be attached to.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_RunServingNothing_FailsAsUsageError()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("wise-owl-1", RunStatus.Running, TimeSpan.FromMinutes(5));

        var (exitCode, output) = await home.RunAsync("attach", "wise-owl-1");

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        Assert.Contains("serves nothing to attach to", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_UnknownRun_SaysNotFound()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("attach", "nope-nope-1");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("run nope-nope-1 not found", output, StringComparison.Ordinal);
    }
}
