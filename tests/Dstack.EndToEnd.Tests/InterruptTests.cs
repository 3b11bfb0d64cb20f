using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// `dstack run` interrupted without a terminal (a cancelled CI job): SIGTERM and SIGINT stop the run as `dstack stop`
/// does and the command exits 143 or 130, unless --detach-on-interrupt leaves the run going.
/// </summary>
public sealed class InterruptTests
{
    private const string Workflows = """
        workflows:
          - name: long
            provider: bash
            commands:
              - 'mkdir -p output; for ((i = 1; i <= 600; i++)); do echo "tick $i"; echo "$i" > output/last.txt; sleep 1; done'
            artifacts:
              - path: output
        """;

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task Run_SignalWithoutTerminal_StopsTheRunAndExitsAsTheShellWould(string signal, int exitCode)
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        await sandbox.StartDstackServerAsync("--headless");

        // A test run started in the background (`dotnet test ... &`, a CI runner's job) passes SIGINT on as ignored, as
        // shells do for background jobs, and a process that starts with SIGINT ignored keeps it so: the signal would never
        // reach dstack. A CI job's own command gets it with its default action, which `env --default-signal` restores.
        var run = sandbox.Start("/usr/bin/env", [$"--default-signal={signal}", DstackSandbox.Executable("dstack"), "run", "long"], redirect: true, sandbox.Repo);
        var output = new OutputWatcher(run);
        await output.WaitForAsync(new Regex("tick 2\n"), TimeSpan.FromSeconds(120));
        var name = RunSteps.RunName(output.Text);

        await SignalAsync(run, signal);

        // Stopping kills the job and uploads its artifacts first; a run that misses the deadline shows what it printed.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await run.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            run.Kill(entireProcessTree: true);
            Assert.Fail($"dstack run did not exit within 120 s of SIG{signal}; it printed: {output.Text}");
        }

        var text = await output.WaitForEndAsync(TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == exitCode, $"exit {run.ExitCode}: {text}");
        Assert.Contains($"stopping {name} as `dstack stop` does", text, StringComparison.Ordinal);
        var manifest = await RunSteps.WaitFinishedAsync(sandbox, name);
        Assert.Equal("stopped", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
    }

    [Fact]
    public async Task Run_SignalWithDetachOnInterrupt_LeavesTheRunGoing()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        await sandbox.StartDstackServerAsync("--headless");
        var run = sandbox.StartDstack("run", "long", "--detach-on-interrupt");
        var output = new OutputWatcher(run);
        await output.WaitForAsync(new Regex("tick 2\n"), TimeSpan.FromSeconds(120));
        var name = RunSteps.RunName(output.Text);

        await SignalAsync(run, "TERM");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await run.WaitForExitAsync(timeout.Token);
        var text = await output.WaitForEndAsync(TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {text}");
        Assert.Contains($"Detached from {name}", text, StringComparison.Ordinal);
        var ps = await sandbox.DstackAsync("ps", name, "--json");
        Assert.Contains("\"running\"", ps.Stdout, StringComparison.OrdinalIgnoreCase);
        var stop = await sandbox.DstackAsync("stop", name, "-y");
        Assert.True(stop.ExitCode == 0, stop.Output);
    }

    [Fact]
    public async Task LogsFollow_Sigterm_ExitsAsTheShellWouldAndLeavesTheRunGoing()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        await sandbox.StartDstackServerAsync("--headless");
        var name = await RunSteps.SubmitAsync(sandbox, "long");
        await RunSteps.WaitForLogAsync(sandbox, name, "tick 1");
        var logs = sandbox.StartDstack("logs", name, "-f");
        var output = new OutputWatcher(logs);
        await output.WaitForAsync(new Regex("tick 2\n"), TimeSpan.FromSeconds(120));

        await SignalAsync(logs, "TERM");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await logs.WaitForExitAsync(timeout.Token);
        var text = await output.WaitForEndAsync(TimeSpan.FromSeconds(30));
        Assert.True(logs.ExitCode == 143, $"exit {logs.ExitCode}: {text}");
        var ps = await sandbox.DstackAsync("ps", name, "--json");
        Assert.Contains("\"running\"", ps.Stdout, StringComparison.OrdinalIgnoreCase);
        var stop = await sandbox.DstackAsync("stop", name, "-y");
        Assert.True(stop.ExitCode == 0, stop.Output);
        await RunSteps.WaitFinishedAsync(sandbox, name);
    }

    private static async Task SignalAsync(Process process, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }
}
