namespace Dstack.EndToEnd.Tests;

/// <summary>
/// The CLI outlives its server: a `dstack run` in the foreground and a `dstack logs -f` whose server is killed with -9
/// say so once, start the local server again, and follow the run to its end, with no SDK warnings or stack traces.
/// </summary>
public sealed class ServerLossTests
{
    private const int Lines = 30;

    private const string Workflows = """
        workflows:
          - name: ticks
            provider: bash
            commands:
              - 'for ((i = 1; i <= 30; i++)); do echo "line $i"; sleep 0.5; done'
              - 'exit 3'
        """;

    [Fact]
    public async Task Run_ServerKilledMidRun_CliRestartsItAndExitsWithTheJobsCodeAfterEveryLine()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        var server = await sandbox.StartDstackServerAsync("--headless");
        var run = sandbox.StartDstack("run", "ticks");
        var output = new OutputWatcher(run);
        var stderr = run.StandardError.ReadToEndAsync();
        await output.WaitForAsync(new System.Text.RegularExpressions.Regex("line 3\n"), TimeSpan.FromSeconds(120));

        DstackSandbox.Kill9(server);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        await run.WaitForExitAsync(timeout.Token);
        var text = await output.WaitForEndAsync(TimeSpan.FromSeconds(30)) + await stderr;
        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {text}");
        Assert.Contains("stopped answering", text, StringComparison.Ordinal);
        Assert.Contains("Started dstack server in the background", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("WARN", text, StringComparison.Ordinal);
        Assert.Equal(
            Enumerable.Range(1, Lines).Select(i => $"line {i}"),
            text.Split('\n').Where(l => l.StartsWith("line ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task LogsFollow_NoServerAnswers_SaysSoStartsItAndFollowsToTheEnd()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        var server = await sandbox.StartDstackServerAsync("--headless");
        var name = await RunSteps.SubmitAsync(sandbox, "ticks");
        await RunSteps.WaitForLogAsync(sandbox, name, "line 2");
        DstackSandbox.Kill9(server);

        var logs = await sandbox.RunAsync(DstackSandbox.Executable("dstack"), ["logs", name, "-f"], sandbox.Repo, TimeSpan.FromSeconds(240));

        Assert.True(logs.ExitCode == 0, logs.Output);
        Assert.Contains("No Temporal server answers", logs.Output, StringComparison.Ordinal);
        Assert.Contains("Started dstack server in the background", logs.Output, StringComparison.Ordinal);
        Assert.Equal(
            Enumerable.Range(1, Lines).Select(i => $"line {i}"),
            logs.Stdout.Split('\n').Where(l => l.StartsWith("line ", StringComparison.Ordinal)));
        var manifest = await RunSteps.WaitFinishedAsync(sandbox, name);
        Assert.Equal(3, manifest.GetProperty("exitCode").GetInt32());
    }
}
