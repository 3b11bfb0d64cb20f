using System.Text.Json;
using System.Text.RegularExpressions;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>`dstack run` end to end: the real dstack process, the embedded Temporal server, a worker, the local backend.</summary>
public sealed partial class RunTests
{
    private const string Workflows = """
        workflows:
          - name: hello
            provider: bash
            commands:
              - echo "Hello, world!"
              - mkdir -p output
              - echo "hello artifact" > output/hello.txt
              - head -c 100000 /dev/urandom > output/random.bin
              - sha256sum output/random.bin
            artifacts:
              - path: ./output
          - name: args
            provider: bash
            commands:
              - 'echo run=${{ run.name }} args=${{ run.args }}'
          - name: fail
            provider: bash
            commands:
              - echo about to fail
              - exit 3
          - name: long
            provider: bash
            commands:
              - mkdir -p output
              - echo started > output/state.txt
              - 'for i in $(seq 1 3000); do echo "tick $i"; sleep 0.1; done'
            artifacts:
              - path: ./output
          - name: lines
            provider: bash
            commands:
              - 'for i in $(seq 1 400); do echo "line $i"; sleep 0.02; done'
          - name: gpu
            provider: bash
            resources:
              gpu: 1
            commands:
              - nvidia-smi
          - name: reqs
            provider: bash
            python: 3.11
            requirements: requirements.txt
            commands:
              - python -c "import dstackdemo; print('value', dstackdemo.VALUE)"
        """;

    [Fact]
    public async Task Run_HelloWorld_StreamsLogsAndSavesArtifacts()
    {
        await using var sandbox = await StartAsync();
        var run = await sandbox.DstackAsync("run", "hello");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Hello, world!", run.Stdout, StringComparison.Ordinal);
        var name = RunName(run.Stdout);

        var download = Path.Combine(sandbox.Home, "download");
        var artifacts = await sandbox.DstackAsync("artifacts", "download", name, "-o", download);
        Assert.True(artifacts.ExitCode == 0, artifacts.Output);
        Assert.Equal("hello artifact\n", await File.ReadAllTextAsync(Path.Combine(download, "output", "hello.txt")));
        // The job printed the sha256 of the random file it made; the downloaded copy must be the same bytes.
        var downloaded = await File.ReadAllBytesAsync(Path.Combine(download, "output", "random.bin"));
        Assert.Equal(100000, downloaded.Length);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(downloaded)) + "  output/random.bin", run.Stdout, StringComparison.Ordinal);

        // Nothing of the job is left on the machine.
        Assert.False(Directory.Exists(Path.Combine(sandbox.Home, "instance", "jobs", name)));
    }

    [Fact]
    public async Task Run_Args_RenderedIntoCommands()
    {
        await using var sandbox = await StartAsync();
        var run = await sandbox.DstackAsync("run", "args", "first", "two words");
        Assert.True(run.ExitCode == 0, run.Output);
        var name = RunName(run.Stdout);
        Assert.Contains($"run={name} args=first two words", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NonZeroExit_FailedWithItsCode()
    {
        await using var sandbox = await StartAsync();
        var run = await sandbox.DstackAsync("run", "fail");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("about to fail", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("failed", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("failed in the workflow's commands (exit code 3)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ResourcesThatDoNotFit_FailsBeforeStartingWithExplanation()
    {
        await using var sandbox = await StartAsync();
        var run = await sandbox.DstackAsync("run", "gpu");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("GPU", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("remote backend", run.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(sandbox.Home, "instance", "jobs", RunName(run.Stdout))));
    }

    [Fact]
    public async Task Run_RequirementsFromLocalWheel_InstalledAndReusedOnSecondRun()
    {
        await using var sandbox = await StartAsync(wheels: true);
        var first = await sandbox.DstackAsync("run", "reqs");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("value 42", first.Stdout, StringComparison.Ordinal);
        var envs = Directory.GetDirectories(Path.Combine(sandbox.Home, "instance", "envs"));
        Assert.Single(envs);
        var created = Directory.GetCreationTimeUtc(envs[0]);

        var second = await sandbox.DstackAsync("run", "reqs");
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("value 42", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(envs, Directory.GetDirectories(Path.Combine(sandbox.Home, "instance", "envs")));
        Assert.Equal(created, Directory.GetCreationTimeUtc(envs[0]));
    }

    [Fact]
    public async Task Run_TwoInParallel_BothComplete()
    {
        await using var sandbox = await StartAsync();
        var runs = await Task.WhenAll(sandbox.DstackAsync("run", "args", "a"), sandbox.DstackAsync("run", "args", "b"));
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Output));
        Assert.NotEqual(RunName(runs[0].Stdout), RunName(runs[1].Stdout));
        Assert.Contains("args=a", runs[0].Stdout, StringComparison.Ordinal);
        Assert.Contains("args=b", runs[1].Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_Graceful_StoppedWithArtifacts()
    {
        await using var sandbox = await StartAsync();
        var name = await SubmitAsync(sandbox, "long");
        await WaitForLogAsync(sandbox, name, "tick 3");
        var stop = await sandbox.DstackAsync("stop", name, "-y");
        Assert.True(stop.ExitCode == 0, stop.Output);
        var manifest = await WaitFinishedAsync(sandbox, name);
        Assert.Equal("stopped", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        Assert.True(File.Exists(Path.Combine(sandbox.Home, "storage", "runs", name, "artifacts", "main", "files", "output", "state.txt")));
    }

    [Fact]
    public async Task Stop_Abort_AbortedWithoutArtifacts()
    {
        await using var sandbox = await StartAsync();
        var name = await SubmitAsync(sandbox, "long");
        await WaitForLogAsync(sandbox, name, "tick 3");
        var stop = await sandbox.DstackAsync("stop", name, "--abort", "-y");
        Assert.True(stop.ExitCode == 0, stop.Output);
        var manifest = await WaitFinishedAsync(sandbox, name);
        Assert.Equal("aborted", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        Assert.False(Directory.Exists(Path.Combine(sandbox.Home, "storage", "runs", name, "artifacts")));
    }

    [Fact]
    public async Task Worker_KilledMidRun_RunCompletesWithEveryLogLineOnce()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows, new Dictionary<string, string> { ["requirements.txt"] = "dstackdemo\n" });
        await sandbox.StartTemporalServerAsync();
        var worker = await sandbox.StartWorkerAsync();
        var name = await SubmitAsync(sandbox, "lines");
        await WaitForLogAsync(sandbox, name, "line 20");

        DstackSandbox.Kill9(worker);
        await sandbox.StartWorkerAsync();
        var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(90));
        Assert.Equal("done", manifest.GetProperty("status").GetString()?.ToLowerInvariant());

        await AssertEveryLineOnceAsync(sandbox, name, 400);
    }

    [Fact]
    public async Task Ps_AfterServerRestart_ListsFinishedRunsFromManifests()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        var server = await sandbox.StartDstackServerAsync();
        var run = await sandbox.DstackAsync("run", "args", "x");
        Assert.True(run.ExitCode == 0, run.Output);
        var name = RunName(run.Stdout);

        DstackSandbox.Kill9(server);
        await sandbox.StartDstackServerAsync();
        var ps = await sandbox.DstackAsync("ps", "-a", "--json");
        Assert.True(ps.ExitCode == 0, ps.Output);
        using var json = JsonDocument.Parse(ps.Stdout);
        var row = json.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);
        Assert.Equal("done", row.GetProperty("status").GetString()?.ToLowerInvariant());
    }

    private static Task<DstackSandbox> StartAsync(bool wheels = false) => DstackSandbox.CreateAsync(async sandbox =>
    {
        await sandbox.InitRepoAsync(Workflows, new Dictionary<string, string> { ["requirements.txt"] = "dstackdemo\n" });
        if (wheels)
        {
            var folder = Path.Combine(sandbox.Home, "wheels");
            WheelBuilder.Build(folder, "dstackdemo", "1.0", "VALUE = 42\n");
            sandbox.Environment["PIP_NO_INDEX"] = "1";
            sandbox.Environment["PIP_FIND_LINKS"] = folder;
        }

        await sandbox.StartDstackServerAsync();
    });
}
