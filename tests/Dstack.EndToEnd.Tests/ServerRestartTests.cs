using System.Text.Json;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// `dstack server` keeps the Temporal server's state in $DSTACK_HOME/temporal.db: a kill -9 in the middle of many runs
/// loses none of them. Its worker dies with it; the jobs run detached and live on, and the restarted worker re-attaches.
/// </summary>
public sealed class ServerRestartTests
{
    private const int Runs = 50;
    private const int Lines = 200;

    [Fact]
    public async Task DstackServer_Kill9During50Runs_AllCompleteEachJobStartedOnceEveryLogLineOnce()
    {
        await using var sandbox = new DstackSandbox();
        var marks = Directory.CreateDirectory(Path.Combine(sandbox.Home, "marks")).FullName;
        var release = Path.Combine(sandbox.Home, "release");

        // Each job marks its start outside its folder, prints half its lines, then waits for the release file, so
        // that no job can finish before the kill however slowly the 50 runs are submitted. The jobs print with shell
        // builtins and look for the file once a second: 50 jobs that forked `sleep` 10 to 20 times a second kept the
        // load of a 2-core machine near 90 and starved the very CLI and worker under test.
        await sandbox.InitRepoAsync($$$"""
            workflows:
              - name: marked
                provider: bash
                commands:
                  - 'echo started >> {{{marks}}}/${{ run.name }}'
                  - 'for ((i = 1; i <= {{{Lines / 2}}}; i++)); do echo "line $i"; done'
                  - 'while [ ! -f {{{release}}} ]; do sleep 1; done'
                  - 'for ((i = {{{Lines / 2 + 1}}}; i <= {{{Lines}}}; i++)); do echo "line $i"; done'
            """);
        var server = await sandbox.StartDstackServerAsync();

        var names = new List<string>();
        using (var gate = new SemaphoreSlim(6))
        {
            var submissions = Enumerable.Range(0, Runs).Select(async _ =>
            {
                await gate.WaitAsync();
                try
                {
                    var run = await sandbox.DstackAsync("run", "marked", "-d", "--json");
                    Assert.True(run.ExitCode == 0, run.Output);
                    using var json = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]);
                    lock (names)
                    {
                        names.Add(json.RootElement.GetProperty("run").GetString()!);
                    }
                }
                finally
                {
                    gate.Release();
                }
            });
            await Task.WhenAll(submissions);
        }

        // All 50 jobs are running (none can finish yet). Killed earlier, a run caught in a short activity (provisioning,
        // which has no heartbeat) would wait out that activity's 5-minute start-to-close timeout after the restart, as
        // on a real Temporal server; a job's own activity heartbeats, so it is retried within 10 s and re-attaches.
        await Eventually.TrueAsync(
            () => Directory.EnumerateFiles(marks).Count() == Runs && names.All(n => ReadManifest(sandbox, n)?.GetProperty("status").GetString()?.ToLowerInvariant() == "running"),
            TimeSpan.FromSeconds(180),
            "every job to run");
        DstackSandbox.Kill9(server);
        Assert.DoesNotContain(names, n => IsFinished(ReadManifest(sandbox, n)));
        await sandbox.StartDstackServerAsync();
        await File.WriteAllTextAsync(release, "go");

        foreach (var name in names)
        {
            var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(240));
            Assert.True(manifest.GetProperty("status").GetString()?.ToLowerInvariant() == "done", $"{name}: {manifest}");
        }

        foreach (var name in names)
        {
            Assert.Equal(["started"], await File.ReadAllLinesAsync(Path.Combine(marks, name)));
            await RunSteps.AssertEveryLineOnceAsync(sandbox, name, Lines);
        }
    }

    private static async Task<JsonElement> WaitFinishedAsync(DstackSandbox sandbox, string run, TimeSpan timeout)
    {
        JsonElement? manifest = null;
        await Eventually.TrueAsync(() => IsFinished(manifest = ReadManifest(sandbox, run)), timeout, $"run {run} to finish");
        return manifest!.Value;
    }

    private static JsonElement? ReadManifest(DstackSandbox sandbox, string run)
    {
        var path = Path.Combine(sandbox.Home, "storage", "runs", run, "manifest.json");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return json.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            // Not written yet, or being rewritten.
            return null;
        }
    }

    private static bool IsFinished(JsonElement? manifest) =>
        manifest?.GetProperty("status").GetString()?.ToLowerInvariant() is "done" or "failed" or "stopped" or "aborted";
}
