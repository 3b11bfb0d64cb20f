using Dstack.Core.Runs;
using Spectre.Console.Testing;
using Temporalio.Worker;

namespace Dstack.Cli.Tests.Commands;

public sealed class StopCommandTests
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Theory]
    [InlineData(new[] { "-y" }, "stop")]
    [InlineData(new[] { "-x", "-y" }, "abort")]
    [InlineData(new[] { "--abort", "--yes" }, "abort")]
    public async Task Stop_OpenRun_SignalsTheWorkflowAndSaysOk(string[] flags, string expectedSignal)
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));
        using var worker = new TemporalWorker(home.Client!, new TemporalWorkerOptions(_queue).AddWorkflow<FakeRunWorkflow>());

        var (exitCode, output, signal) = await worker.ExecuteAsync(async () =>
        {
            var handle = await home.StartRunWorkflowAsync("busy-bee-3", _queue);
            var (exitCode, output) = await home.RunAsync(["stop", "busy-bee-3", .. flags]);
            return (exitCode, output, await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        });

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("OK", output, StringComparison.Ordinal);
        Assert.Equal(expectedSignal, signal);
    }

    [Fact]
    public async Task Stop_RunThatTakesTimeToStop_WaitsUntilItIsStoppedBeforeOk()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));
        var options = new TemporalWorkerOptions(_queue)
            .AddWorkflow<SlowStopRunWorkflow>()
            .AddAllActivities(new StoppedManifestWriter(home.Manifests));
        using var worker = new TemporalWorker(home.Client!, options);

        var (exitCode, output, psOutput) = await worker.ExecuteAsync(async () =>
        {
            await home.StartRunWorkflowAsync("busy-bee-3", _queue);
            var (exitCode, output) = await home.RunAsync("stop", "busy-bee-3", "-y");

            // Right after the OK, as a user would look: ps must not say running any more.
            var (_, psOutput) = await home.RunAsync("ps", "busy-bee-3");
            return (exitCode, output, psOutput);
        });

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("OK: busy-bee-3 stopped", output, StringComparison.Ordinal);
        Assert.DoesNotContain("running", psOutput, StringComparison.Ordinal);
        Assert.Contains("stopped", psOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAll_SignalsEveryOpenRun()
    {
        await using var home = await TestHome.WithTemporalAsync();
        using var worker = new TemporalWorker(home.Client!, new TemporalWorkerOptions(_queue).AddWorkflow<FakeRunWorkflow>());

        var (exitCode, signals) = await worker.ExecuteAsync(async () =>
        {
            var first = await home.StartRunWorkflowAsync("busy-bee-3", _queue);
            var second = await home.StartRunWorkflowAsync("new-elk-4", _queue, status: "provisioning");
            var (exitCode, _) = await home.RunAsync("stop", "-a", "-y");
            return (exitCode, new[] { await first.GetResultAsync(), await second.GetResultAsync() });
        });

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal(["stop", "stop"], signals);
    }

    [Fact]
    public async Task Stop_Interactive_AsksAndStopsOnYes()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));
        using var worker = new TemporalWorker(home.Client!, new TemporalWorkerOptions(_queue).AddWorkflow<FakeRunWorkflow>());
        var console = new TestConsole().Interactive();
        console.Input.PushTextWithEnter("y");

        var (exitCode, output, signal) = await worker.ExecuteAsync(async () =>
        {
            var handle = await home.StartRunWorkflowAsync("busy-bee-3", _queue);
            var (exitCode, output) = await home.RunAsync(console, "stop", "busy-bee-3");
            return (exitCode, output, await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        });

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("Stop the run 'busy-bee-3'?", output, StringComparison.Ordinal);
        Assert.Equal("stop", signal);
    }

    [Fact]
    public async Task Stop_NotInteractiveWithoutYes_AsksForYesAndSendsNothing()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));
        var handle = await home.StartRunWorkflowAsync("busy-bee-3", _queue);

        var (exitCode, output) = await home.RunAsync("stop", "busy-bee-3");

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        Assert.Contains("pass -y to confirm", output, StringComparison.Ordinal);
        var history = await handle.FetchHistoryAsync();
        Assert.DoesNotContain(history.Events, e => e.WorkflowExecutionSignaledEventAttributes is not null);
    }

    [Fact]
    public async Task Stop_FinishedRun_SaysItIsAlreadyFinished()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(1));

        var (exitCode, output) = await home.RunAsync("stop", "old-owl-1", "-y");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("run old-owl-1 is already finished", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_RunTemporalDoesNotHaveThatHeldNoMachine_MarksItStoppedSayingWhy()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Provisioning, TimeSpan.FromMinutes(5));

        var (exitCode, output) = await home.RunAsync("stop", "busy-bee-3", "-y");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("busy-bee-3 stopped; found no machine to release", output, StringComparison.Ordinal);
        var manifest = await home.Manifests.ReadAsync("busy-bee-3");
        Assert.Equal((RunStatus.Stopped, FailureReason.StoppedByUser), (manifest!.Status, manifest.Reason));
        Assert.Contains("not open in Temporal", manifest.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-y" }, RunStatus.Stopped)]
    [InlineData(new[] { "-x", "-y" }, RunStatus.Aborted)]
    public async Task Stop_TerminatedRunWithItsJobLeftRunning_StopsTheJobAndMarksTheRunEnded(string[] flags, RunStatus expected)
    {
        await using var home = await TestHome.WithTemporalAsync();
        var manifest = await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));
        await home.Manifests.WriteAsync(manifest with { Attempts = [TestHome.LocalAttempt(manifest.Spec.SubmittedAt)] });
        var job = await home.StartLocalJobAsync("busy-bee-3", "sleep 600\n");
        var handle = await home.StartRunWorkflowAsync("busy-bee-3", _queue);
        await handle.TerminateAsync("terminated from the Temporal Web UI");
        Assert.True(await home.ProcessGroupAliveAsync(job));

        var (exitCode, output) = await home.RunAsync(["stop", "busy-bee-3", .. flags]);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("stopped its job on local and released the machine", output, StringComparison.Ordinal);
        Assert.True(await home.ProcessGroupEndsAsync(job, TimeSpan.FromSeconds(30)), "the job's processes outlived the command");
        Assert.False(await home.LocalJobFolderExistsAsync("busy-bee-3"));
        var ended = await home.Manifests.ReadAsync("busy-bee-3");
        Assert.Equal(expected, ended!.Status);
        Assert.Contains("was terminated in Temporal", ended.Message, StringComparison.Ordinal);
        Assert.NotNull(ended.FinishedAt);
        Assert.NotNull(Assert.Single(ended.Attempts).EndedAt);
    }

    [Fact]
    public async Task Stop_TemporalDown_SaysWhereItLooked()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));

        var (exitCode, output) = await home.RunAsync("stop", "busy-bee-3", "-y");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains(home.TemporalAddress, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stop")]
    [InlineData("stop", "busy-bee-3", "-a")]
    public async Task Stop_NeitherOrBothOfRunAndAll_IsAUsageError(params string[] args)
    {
        var (exitCode, output) = await CliRunner.RunAsync(args);

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        Assert.Contains("name a RUN or pass -a", output, StringComparison.Ordinal);
    }
}
