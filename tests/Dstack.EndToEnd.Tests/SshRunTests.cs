using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>`dstack run` on SSH hosts: real dstack processes, real sshd in network namespaces (<see cref="NetworkHosts"/>).</summary>
public sealed partial class SshRunTests(NetworkHosts hosts) : IClassFixture<NetworkHosts>
{
    private const string Workflows = """
        workflows:
          - name: hello
            provider: bash
            commands:
              - echo "Hello from $(hostname -I | tr -d ' ')"
              - mkdir -p output
              - echo "hello artifact" > output/hello.txt
              - head -c 100000 /dev/urandom > output/random.bin
              - sha256sum output/random.bin
            artifacts:
              - path: ./output
          - name: where
            provider: bash
            commands:
              - echo "on $(hostname -I | tr -d ' ')"
              - sleep 3
          - name: hold
            provider: bash
            commands:
              - echo "holding the host"
              - 'while [ ! -e release ]; do sleep 0.2; done'
          - name: waiter
            provider: bash
            commands:
              - echo "got the host"
            retry:
              on_events: [no-capacity]
              duration: 2m
          - name: lines
            provider: bash
            commands:
              - 'for i in $(seq 1 150); do echo "line $i"; sleep 0.1; done'
          - name: reqs
            provider: bash
            python: 3.11
            requirements: requirements.txt
            commands:
              - python -c "import dstackdemo, sys; print('value', dstackdemo.VALUE, 'from', sys.prefix)"
        """;

    [SshFact]
    public async Task Run_HelloWorldOnSshHost_RunsThereAndSavesArtifacts()
    {
        var host = hosts.Hosts[0];
        await using var sandbox = await StartAsync(host);

        var run = await sandbox.DstackAsync("run", "hello");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"Hello from {host.Address}", run.Stdout, StringComparison.Ordinal);
        var name = RunName(run.Stdout);
        var download = Path.Combine(sandbox.Home, "download");
        var artifacts = await sandbox.DstackAsync("artifacts", "download", name, "-o", download);
        Assert.True(artifacts.ExitCode == 0, artifacts.Output);
        Assert.Equal("hello artifact\n", await File.ReadAllTextAsync(Path.Combine(download, "output", "hello.txt")));
        var downloaded = await File.ReadAllBytesAsync(Path.Combine(download, "output", "random.bin"));
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(downloaded)) + "  output/random.bin", run.Stdout, StringComparison.Ordinal);

        // The host's key was pinned in dstack's own file; nothing of the job or the claim is left on the host.
        Assert.Contains(host.Address, await File.ReadAllTextAsync(Path.Combine(sandbox.Home, "known_hosts")), StringComparison.Ordinal);
        var runFolder = Path.Combine(host.DstackDirectory, "jobs", name);
        Assert.False(Directory.Exists(runFolder), $"left on the host: {Leftovers(runFolder)}\n{run.Output}\n{(await sandbox.DstackAsync("ps", "-a", name)).Output}");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(host.DstackDirectory, "claims")));
    }

    [SshFact]
    public async Task Run_TwoInParallelOnTwoHosts_EachOnItsOwnHost()
    {
        await using var sandbox = await StartAsync(hosts.Hosts[1], hosts.Hosts[2]);

        var runs = await Task.WhenAll(sandbox.DstackAsync("run", "where"), sandbox.DstackAsync("run", "where"));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Output));
        var places = runs.Select(r => OnRegex().Match(r.Stdout).Groups[1].Value).ToHashSet();
        Assert.Equal([hosts.Hosts[1].Address, hosts.Hosts[2].Address], places.Order());
    }

    [SshFact]
    public async Task Run_OnlyHostBusyWithNoCapacityRetry_WaitsForItAndCompletes()
    {
        var host = hosts.Hosts[0];
        await using var sandbox = await StartAsync(host);
        var holder = await SubmitAsync(sandbox, "hold");
        await WaitForLogAsync(sandbox, holder, "holding the host");

        // The only host is busy: no offer at all. With a no-capacity retry policy the run waits in the capacity queue
        // instead of failing, and is woken when the host's block is given back.
        var waiter = await SubmitAsync(sandbox, "waiter");
        var manifestPath = Path.Combine(sandbox.Home, "storage", "runs", waiter, "manifest.json");
        await Eventually.TrueAsync(
            async () => File.Exists(manifestPath) && (await File.ReadAllTextAsync(manifestPath)).Contains("\"pending\"", StringComparison.OrdinalIgnoreCase),
            TimeSpan.FromSeconds(60),
            $"run {waiter} to wait in the capacity queue");
        await File.WriteAllTextAsync(Path.Combine(host.DstackDirectory, "jobs", holder, "main", "code", "release"), string.Empty);

        var held = await WaitFinishedAsync(sandbox, holder, TimeSpan.FromSeconds(60));
        var waited = await WaitFinishedAsync(sandbox, waiter, TimeSpan.FromSeconds(120));
        Assert.True(held.GetProperty("status").GetString()?.ToLowerInvariant() == "done", held.ToString());
        Assert.True(waited.GetProperty("status").GetString()?.ToLowerInvariant() == "done", waited.ToString());
        Assert.Contains("got the host", (await sandbox.DstackAsync("logs", waiter)).Stdout, StringComparison.Ordinal);

        // The waiter got the host only after the holder had finished with it, on its first and only attempt.
        var attempt = Assert.Single(waited.GetProperty("attempts").EnumerateArray());
        Assert.True(
            attempt.GetProperty("startedAt").GetDateTimeOffset() > held.GetProperty("finishedAt").GetDateTimeOffset(),
            $"{waiter} started at {attempt.GetProperty("startedAt")}, {holder} finished at {held.GetProperty("finishedAt")}");
        Assert.Contains(host.Address, attempt.GetProperty("instanceType").GetString(), StringComparison.Ordinal);
    }

    [SshFact]
    public async Task Run_LinkCutAndRestoredWithinGrace_CompletesWithEveryLogLineOnce()
    {
        var host = hosts.Hosts[0];
        await using var sandbox = await StartAsync(host);
        var name = await SubmitAsync(sandbox, "lines");
        await WaitForLogAsync(sandbox, name, "line 10");

        await hosts.CutAsync(host);
        try
        {
            // The outage itself: longer than an SSH operation may stall (5 s), so the worker drops the connection and
            // reconnects, and well within the 30 s grace period.
            await Task.Delay(TimeSpan.FromSeconds(8));
        }
        finally
        {
            await hosts.RestoreAsync(host);
        }

        var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(90));
        Assert.Equal("done", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        await AssertEveryLineOnceAsync(sandbox, name, 150);
    }

    [SshFact]
    public async Task Run_LinkCutPastGracePeriod_FailsInstanceUnreachable()
    {
        var host = hosts.Hosts[2];
        await using var sandbox = await StartAsync([host], null, gracePeriod: "12s");
        var name = await SubmitAsync(sandbox, "lines");
        await WaitForLogAsync(sandbox, name, "line 5");

        await hosts.CutAsync(host);
        try
        {
            // The config's grace period is 12 s; the activity keeps heartbeating and reconnecting until then.
            var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(120));
            Assert.Equal("failed", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
            Assert.Equal("instance-unreachable", manifest.GetProperty("reason").GetString());
            Assert.Contains("did not answer for 12 s", manifest.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains($"root@{host.Address}:22", manifest.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await hosts.RestoreAsync(host);

            // The host could not be cleaned up while cut off; its claim would keep it busy for the other tests.
            try
            {
                Directory.Delete(Path.Combine(host.DstackDirectory, "claims"), recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // Released by the run itself once the link was back.
            }

            var jobs = Path.Combine(host.DstackDirectory, "jobs");
            foreach (var pid in Directory.Exists(jobs) ? Directory.EnumerateFiles(jobs, "job.pid", SearchOption.AllDirectories) : [])
            {
                await Programs.TryAsync("kill", "-KILL", "--", "-" + (await File.ReadAllTextAsync(pid)).Trim());
            }
        }
    }

    [SshFact]
    public async Task Run_RequirementsOnSshHost_InstalledThereAndReusedOnSecondRun()
    {
        var host = hosts.Hosts[2];
        // No package index here: the host's own pip configuration points at a local wheel folder, as a host's would at a mirror.
        var wheels = WheelBuilder.Build(Path.Combine(host.Folder, "wheels"), "dstackdemo", "1.0", "VALUE = 42\n");
        var pipConf = Path.Combine(host.Folder, "home", ".config", "pip", "pip.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(pipConf)!);
        await File.WriteAllTextAsync(pipConf, $"[global]\nno-index = true\nfind-links = {Path.GetDirectoryName(wheels)}\n");
        try
        {
            await using var sandbox = await StartAsync(host);

            var first = await sandbox.DstackAsync("run", "reqs");
            Assert.True(first.ExitCode == 0, first.Output);
            var envs = Path.Combine(host.DstackDirectory, "envs");
            var env = Assert.Single(Directory.GetDirectories(envs));
            Assert.Contains($"value 42 from {env}", first.Stdout, StringComparison.Ordinal);
            var created = Directory.GetCreationTimeUtc(env);

            var second = await sandbox.DstackAsync("run", "reqs");
            Assert.True(second.ExitCode == 0, second.Output);
            Assert.Contains($"value 42 from {env}", second.Stdout, StringComparison.Ordinal);
            Assert.Equal([env], Directory.GetDirectories(envs));
            Assert.Equal(created, Directory.GetCreationTimeUtc(env));
        }
        finally
        {
            File.Delete(pipConf);
        }
    }

    [SshFact]
    public async Task Run_SshdKilledMidRunAndStartedAgain_CompletesWithEveryLogLineOnce()
    {
        var host = hosts.Hosts[1];
        await using var sandbox = await StartAsync(host);
        var name = await SubmitAsync(sandbox, "lines");
        await WaitForLogAsync(sandbox, name, "line 10");

        // Every connection the worker had drops at once, and new ones are refused until sshd is back: the job, detached
        // in a session of its own, keeps running meanwhile.
        await hosts.KillSshdAsync(host);
        try
        {
            var jobs = Path.Combine(host.DstackDirectory, "jobs", name);
            var log = Directory.EnumerateFiles(jobs, "job.log", SearchOption.AllDirectories).Single();
            await Eventually.TrueAsync(
                async () => (await File.ReadAllTextAsync(log)).Contains("line 60\n", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                "the job to go on printing while sshd is down");
        }
        finally
        {
            await hosts.StartSshdAgainAsync(host);
        }

        var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(90));
        Assert.Equal("done", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        await AssertEveryLineOnceAsync(sandbox, name, 150);
    }

    [SshFact]
    public async Task Worker_KilledMidRunOnSshHost_ReattachesWithEveryLogLineOnce()
    {
        var host = hosts.Hosts[1];
        await using var sandbox = new DstackSandbox();
        await WriteConfigAsync(sandbox, [host], null);
        await sandbox.InitRepoAsync(Workflows);
        await sandbox.StartTemporalServerAsync();
        var worker = await sandbox.StartWorkerAsync();
        var name = await SubmitAsync(sandbox, "lines");
        await WaitForLogAsync(sandbox, name, "line 20");

        DstackSandbox.Kill9(worker);
        await sandbox.StartWorkerAsync();

        var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(90));
        Assert.Equal("done", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        await AssertEveryLineOnceAsync(sandbox, name, 150);
    }

    [SshFact]
    public async Task Offers_TwoSshHosts_ListsBothWithTheirResourcesAndLabels()
    {
        await using var sandbox = new DstackSandbox();
        await WriteConfigAsync(sandbox, [hosts.Hosts[1], hosts.Hosts[2]], null);
        var config = Path.Combine(sandbox.Home, "config.yml");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(config)).Replace(
            $"    dstack_dir: {hosts.Hosts[1].DstackDirectory}\n", $"    dstack_dir: {hosts.Hosts[1].DstackDirectory}\n        labels: [a100, fast]\n", StringComparison.Ordinal));

        var labelled = await sandbox.DstackAsync("offers", "--label", "a100", "--json");
        Assert.True(labelled.ExitCode == 0, labelled.Output);
        using (var only = JsonDocument.Parse(labelled.Stdout))
        {
            var offer = Assert.Single(only.RootElement.GetProperty("offers").EnumerateArray());
            Assert.Equal($"root@{hosts.Hosts[1].Address}:22", offer.GetProperty("instance_type").GetString());
            Assert.Equal(["a100", "fast"], offer.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        }

        var offers = await sandbox.DstackAsync("offers", "--json");

        Assert.True(offers.ExitCode == 0, offers.Output);
        using var json = JsonDocument.Parse(offers.Stdout);
        var listed = json.RootElement.GetProperty("offers").EnumerateArray().ToList();
        Assert.Equal(
            [$"root@{hosts.Hosts[1].Address}:22", $"root@{hosts.Hosts[2].Address}:22"],
            listed.Select(o => o.GetProperty("instance_type").GetString()).Order());
        Assert.All(listed, o =>
        {
            Assert.Equal("ssh", o.GetProperty("backend").GetString());
            Assert.True(o.GetProperty("cpus").GetInt32() > 0);
        });
    }

    [SshFact]
    public async Task Run_WrongKeyFile_FailsNamingTheHostAndTheKey()
    {
        await using var sandbox = await StartAsync([hosts.Hosts[0]], hosts.StrangerKey);

        var run = await sandbox.DstackAsync("run", "where");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"root@{hosts.Hosts[0].Address}:22 refused the key {hosts.StrangerKey}", run.Output, StringComparison.Ordinal);
    }

    private Task<DstackSandbox> StartAsync(params TestHost[] sshHosts) => StartAsync(sshHosts, null);

    private Task<DstackSandbox> StartAsync(TestHost[] sshHosts, string? identityFile, string? gracePeriod = null) => DstackSandbox.CreateAsync(async sandbox =>
    {
        await WriteConfigAsync(sandbox, sshHosts, identityFile, gracePeriod);
        await sandbox.InitRepoAsync(Workflows, new Dictionary<string, string> { ["requirements.txt"] = "dstackdemo\n" });
        await sandbox.StartDstackServerAsync();
    });

    private async Task WriteConfigAsync(DstackSandbox sandbox, TestHost[] sshHosts, string? identityFile, string? gracePeriod = null)
    {
        var config = string.Concat(sshHosts.Select(h => string.Create(CultureInfo.InvariantCulture, $"""
                  - host: {h.Address}
                    user: root
                    identity_file: {identityFile ?? hosts.UserKey}
                    dstack_dir: {h.DstackDirectory}

            """)));
        await File.WriteAllTextAsync(Path.Combine(sandbox.Home, "config.yml"), "backends:\n  - type: ssh\n" + (gracePeriod is null ? string.Empty : $"    grace_period: {gracePeriod}\n") + "    hosts:\n" + config);
    }

    [GeneratedRegex(@"on (10\.250\.[0-9]+\.2)")]
    private static partial Regex OnRegex();

    /// <summary>What a folder that should be gone still holds, with modification times (for the failure message).</summary>
    private static string Leftovers(string folder) =>
        !Directory.Exists(folder)
            ? "nothing"
            : string.Join("; ", new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
                .Select(e => $"{Path.GetRelativePath(folder, e.FullName)} {e.LastWriteTimeUtc:HH:mm:ss.fff}"));
}
