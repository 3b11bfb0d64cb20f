using System.Diagnostics;
using System.Text.Json;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// `dstack run` on the aws backend: real dstack processes and the real AWSSDK.EC2 client against the EC2 emulator, whose
/// instances are network-namespace hosts with sshd. Every test ends with nothing billed for a run that is over.
/// </summary>
[Collection(AwsWorld.Name)]
public sealed class AwsRunTests(AwsWorld world)
{
    private const string Workflows = """
        workflows:
          - name: resumable
            provider: bash
            commands:
              - echo "attempt $DSTACK_ATTEMPT resumed=${DSTACK_RESUMED:-0}"
              - 'if [ "$DSTACK_ATTEMPT" -lt 3 ]; then sleep 300; fi'
              - echo "finished on attempt $DSTACK_ATTEMPT"
            resources:
              cpu: 1..2
              memory: ..4GB
              interruptible: true
          - name: checkpointed
            provider: bash
            commands:
              - 'if [ "${DSTACK_RESUMED:-0}" = 1 ]; then echo "restored: $(cat ckpt/state.txt)"; else mkdir -p ckpt && echo "step 42" > ckpt/state.txt && echo "checkpoint written" && sleep 300; fi'
            artifacts:
              - path: ./ckpt
                mount: true
            resources:
              cpu: 1..2
              memory: ..4GB
              interruptible: true
          - name: auto
            provider: bash
            commands:
              - echo "hello from aws"
            resources:
              cpu: 1..2
              memory: ..4GB
            spot_policy: auto
          - name: spot-only
            provider: bash
            commands:
              - echo "never"
            resources:
              cpu: 1..2
              memory: ..4GB
            spot_policy: spot
            retry:
              on_events: [no-capacity]
              duration: 8s
          - name: long
            provider: bash
            commands:
              - sleep 300
            resources:
              cpu: 1..2
              memory: ..4GB
          - name: web
            provider: bash
            ports: 1
            commands:
              - python3 -u -m http.server "$PORT_0" --bind 127.0.0.1
            resources:
              cpu: 1..2
              memory: ..4GB
        """;

    private Ec2Emulator Emulator => world.Emulator;

    [AwsFact]
    public async Task Run_SpotInterruptedTwice_ResumesInAnotherRegionAndCompletes()
    {
        await using var sandbox = await StartAsync();
        var name = await SubmitAsync(sandbox, "resumable");

        await WaitForLogAsync(sandbox, name, "attempt 1 resumed=0");
        var first = LiveInstance(name);
        Emulator.Interrupt(first.InstanceId, TimeSpan.FromSeconds(5));
        await ExplainAsync(sandbox, name, () => WaitForLogAsync(sandbox, name, "attempt 2 resumed=1"));
        var second = LiveInstance(name);
        Emulator.Interrupt(second.InstanceId, TimeSpan.FromSeconds(5));
        var manifest = await WaitFinishedOrExplainAsync(sandbox, name, TimeSpan.FromSeconds(180));

        Assert.True(manifest.GetProperty("status").GetString() == "done", manifest.ToString());
        var logs = (await sandbox.DstackAsync("logs", name)).Stdout;
        Assert.Contains("attempt 3 resumed=1", logs, StringComparison.Ordinal);
        Assert.Contains("finished on attempt 3", logs, StringComparison.Ordinal);
        Assert.NotEqual(first.Region, second.Region);
        Assert.True(first.Spot && second.Spot);
        var attempts = await FinalAttemptsAsync(sandbox, name, 3);
        Assert.Equal(["interruption", "interruption", "done"], attempts.Select(a => a.GetProperty("outcome").GetString()));
        Assert.All(attempts, a => Assert.True(a.GetProperty("spot").GetBoolean()));

        // Seen within the 5 s before the instance went away: from the instance's notice, or from the EC2 API when the
        // watch's API check came first after both changed at once (the emulator posts them together, as EC2 may).
        Assert.All(attempts.Take(2), a => Assert.Matches("^(spot/instance-action|spot request sir-[0-9a-f]+: marked-for-termination)", a.GetProperty("interruption").GetString()));
        Assert.All(attempts, a => Assert.True(a.GetProperty("cost").GetDecimal() > 0));
        Assert.Contains("interrupt", (await sandbox.DstackAsync("ps", name)).Stdout, StringComparison.OrdinalIgnoreCase);
        await AssertNothingBilledAsync(name);
    }

    [AwsFact]
    public async Task Run_SpotInterruptedAfterCheckpoint_LastSyncOnNoticeAndNextAttemptRestoresIt()
    {
        // Periodic syncs are pushed past the test's end: only the last sync, on the notice, can save the checkpoint.
        await using var sandbox = await StartAsync(new Dictionary<string, string> { ["DSTACK_MOUNT_SYNC_INTERVAL"] = "600" });
        var name = await SubmitAsync(sandbox, "checkpointed");

        await WaitForLogAsync(sandbox, name, "checkpoint written");
        Emulator.Interrupt(LiveInstance(name).InstanceId, TimeSpan.FromSeconds(30));
        var manifest = await WaitFinishedOrExplainAsync(sandbox, name, TimeSpan.FromSeconds(180));

        Assert.True(manifest.GetProperty("status").GetString() == "done", manifest.ToString());
        Assert.Contains("restored: step 42", (await sandbox.DstackAsync("logs", name)).Stdout, StringComparison.Ordinal);
        var attempts = await FinalAttemptsAsync(sandbox, name, 2);
        Assert.Equal(["interruption", "done"], attempts.Select(a => a.GetProperty("outcome").GetString()));
        var checkpoint = Path.Combine(sandbox.Home, "storage", "runs", name, "checkpoint", "main", "files", "ckpt", "state.txt");
        Assert.Equal("step 42\n", await File.ReadAllTextAsync(checkpoint));
        await AssertNothingBilledAsync(name);
    }

    [AwsFact]
    public async Task Run_NoSpotCapacityAnywhereWithAuto_FallsBackToOnDemand()
    {
        await using var sandbox = await StartAsync();
        Emulator.RemoveCapacity("us-east-1", null, spot: true);
        Emulator.RemoveCapacity("us-west-2", null, spot: true, "MaxSpotInstanceCountExceeded");
        try
        {
            var run = await sandbox.DstackAsync("run", "auto");

            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains("hello from aws", run.Stdout, StringComparison.Ordinal);
            var name = RunName(run.Stdout);
            var attempt = Assert.Single(await FinalAttemptsAsync(sandbox, name, 1));
            Assert.False(attempt.GetProperty("spot").GetBoolean());
            Assert.All(Emulator.Instances.Where(i => i.Run == name), i => Assert.False(i.Spot));
            await AssertNothingBilledAsync(name);
        }
        finally
        {
            Emulator.RestoreCapacity();
        }
    }

    [AwsFact]
    public async Task Run_SpotOnlyWithoutCapacity_FailsNoCapacityAfterRetryDuration()
    {
        await using var sandbox = await StartAsync();
        Emulator.RemoveCapacity("us-east-1", null, spot: true);
        Emulator.RemoveCapacity("us-west-2", null, spot: true);
        try
        {
            var started = Stopwatch.StartNew();
            var name = await SubmitAsync(sandbox, "spot-only");
            var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(90));

            Assert.Equal("failed", manifest.GetProperty("status").GetString());
            Assert.Equal("no-capacity", manifest.GetProperty("reason").GetString());
            Assert.Contains("InsufficientInstanceCapacity", manifest.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.True(started.Elapsed >= TimeSpan.FromSeconds(8), $"gave up after {started.Elapsed}");
            Assert.DoesNotContain(Emulator.Instances, i => i.Run == name);
        }
        finally
        {
            Emulator.RestoreCapacity();
        }
    }

    [AwsFact]
    public async Task Run_BashWithPorts_ForwardedOverSshFromTheInstanceLoopbackAndReleasedOnStop()
    {
        await using var sandbox = await StartAsync();
        var process = sandbox.StartDstack("run", "web");
        var output = new OutputWatcher(process);

        var forwarded = await output.WaitForAsync(DevEnvironmentSteps.PortRegex(), TimeSpan.FromSeconds(120));
        var logged = await output.WaitForAsync(DevEnvironmentSteps.ServingRegex(), TimeSpan.FromSeconds(60));

        // The server listens on the instance's own loopback (a network namespace here): only the SSH forward reaches it.
        Assert.NotEqual(forwarded.Groups[1].Value, forwarded.Groups[2].Value);
        Assert.Equal(forwarded.Groups[2].Value, logged.Groups[2].Value);
        await DevEnvironmentSteps.AssertServesRepoAsync(logged.Groups[1].Value);
        var name = DevEnvironmentSteps.RunRegex().Match(output.Text).Groups[1].Value;
        await DevEnvironmentSteps.StopAsync(sandbox, name, process);

        // The forward went with the CLI process: its port refuses now.
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.1", int.Parse(logged.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));
        await AssertNothingBilledAsync(name);
    }

    [AwsFact]
    public async Task Stop_DuringProvisioning_StoppedAndNoInstanceLeft() => await StopDuringProvisioningAsync(abort: false);

    [AwsFact]
    public async Task Abort_DuringProvisioning_AbortedAndNoInstanceLeft() => await StopDuringProvisioningAsync(abort: true);

    private async Task StopDuringProvisioningAsync(bool abort)
    {
        await using var sandbox = await StartAsync();
        Emulator.BootDelay = TimeSpan.FromSeconds(4);
        try
        {
            var name = await SubmitAsync(sandbox, "long");
            // Generous: under load the CLI, the worker and the emulator share two cores; a run that fails instead is
            // explained with what `dstack ps` and `dstack logs` say.
            await ExplainAsync(sandbox, name, () => Eventually.TrueAsync(() => Task.FromResult(Emulator.Instances.Any(i => i.Run == name)), TimeSpan.FromSeconds(180), $"{name} to launch an instance"));

            var stop = await sandbox.DstackAsync(abort ? ["stop", name, "-x", "-y"] : ["stop", name, "-y"]);

            Assert.True(stop.ExitCode == 0, stop.Output);
            var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(90));
            Assert.Equal(abort ? "aborted" : "stopped", manifest.GetProperty("status").GetString());
            await AssertNothingBilledAsync(name);
        }
        finally
        {
            Emulator.BootDelay = TimeSpan.Zero;
        }
    }

    /// <summary>Waits for the run to finish; when it does not, fails with what `dstack ps` and `dstack logs` say.</summary>
    private async Task<JsonElement> WaitFinishedOrExplainAsync(DstackSandbox sandbox, string run, TimeSpan timeout)
    {
        JsonElement manifest = default;
        await ExplainAsync(sandbox, run, async () => manifest = await WaitFinishedAsync(sandbox, run, timeout));
        return manifest;
    }

    private async Task ExplainAsync(DstackSandbox sandbox, string run, Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (TimeoutException e)
        {
            var ps = await sandbox.DstackAsync("ps", run);
            var logs = await sandbox.DstackAsync("logs", run);
            var instances = string.Join("\n", Emulator.Instances.Where(i => i.Run == run).Select(i => $"{i.InstanceId} {i.Region} {i.InstanceType} spot={i.Spot} {i.State} {i.StateReasonCode}"));
            throw new TimeoutException($"{e.Message}\n{ps.Output}\n{logs.Output}\n{instances}\n{string.Join("\n", Emulator.BootFailures)}", e);
        }
    }

    [AwsFact]
    public async Task Offers_EightA100sSpot_CheapestFirstWithTheCatalogsOnDemandPrices()
    {
        await using var sandbox = await StartAsync();
        Emulator.SetSpotPrice("us-east-1", "p4d.24xlarge", 12.5m);
        Emulator.SetSpotPrice("us-west-2", "p4d.24xlarge", 11.25m);

        // A GPU spec without a count means one GPU, as in resources.gpu; AWS's A100s come eight to a machine.
        var offers = await sandbox.DstackAsync("offers", "--gpu", "A100:8", "--spot", "--json");

        Assert.True(offers.ExitCode == 0, offers.Output);
        using var json = JsonDocument.Parse(offers.Stdout);
        var listed = json.RootElement.GetProperty("offers").EnumerateArray().ToList();
        Assert.Equal([("us-west-2", 11.25m), ("us-east-1", 12.5m)], listed.Select(o => (o.GetProperty("region").GetString(), o.GetProperty("price_per_hour").GetDecimal())));
        // The shipped catalog's on-demand prices (its source: instances.vantage.sh data of 2026-01-21).
        Assert.Equal([21.95764m, 21.957642m], listed.Select(o => o.GetProperty("on_demand_price_per_hour").GetDecimal()));
        Assert.All(listed, o => Assert.Equal("p4d.24xlarge", o.GetProperty("instance_type").GetString()));
    }

    [AwsFact]
    public async Task Ps_TaggedInstanceOfNoLiveRun_ReportedAsLeakedAndTerminatedWithOneCommand()
    {
        await using var sandbox = await StartAsync();
        using var ec2 = new Amazon.EC2.AmazonEC2Client(
            new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "secret"),
            new Amazon.EC2.AmazonEC2Config { ServiceURL = Emulator.Endpoint.ToString(), AuthenticationRegion = "us-west-2" });
        var key = Path.Combine(sandbox.Home, "leak_key");
        await Programs.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        await ec2.ImportKeyPairAsync(new Amazon.EC2.Model.ImportKeyPairRequest { KeyName = "leak", PublicKeyMaterial = await File.ReadAllTextAsync(key + ".pub") });
        var image = (await ec2.DescribeImagesAsync(new Amazon.EC2.Model.DescribeImagesRequest { Owners = ["099720109477"] })).Images[0].ImageId;
        async Task<string> LaunchAsync(string run, string owner) => (await ec2.RunInstancesAsync(new Amazon.EC2.Model.RunInstancesRequest
        {
            ImageId = image, InstanceType = "t3.micro", MinCount = 1, MaxCount = 1, KeyName = "leak",
            TagSpecifications = [new Amazon.EC2.Model.TagSpecification { ResourceType = Amazon.EC2.ResourceType.Instance, Tags = [new Amazon.EC2.Model.Tag("dstack:run", run), new Amazon.EC2.Model.Tag("dstack:owner", owner)] }],
        })).Reservation.Instances[0].InstanceId;
        var id = await LaunchAsync("ghost-run-1", Environment.UserName);

        // Another dstack user's machine in the same account is theirs to judge, never listed or terminated here.
        var others = await LaunchAsync("others-run-1", "someone-else");
        try
        {
            var ps = await sandbox.DstackAsync("ps");
            var terminate = await sandbox.DstackAsync("ps", "--terminate-leaked");

            Assert.True(ps.ExitCode == 0, ps.Output);
            Assert.Contains(id, ps.Stdout, StringComparison.Ordinal);
            Assert.Contains("ghost-run-1", ps.Stdout, StringComparison.Ordinal);
            Assert.Contains("dstack ps --terminate-leaked", ps.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(others, ps.Stdout, StringComparison.Ordinal);
            Assert.True(terminate.ExitCode == 0, terminate.Output);
            Assert.Contains($"Terminated {id}", terminate.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(others, terminate.Stdout, StringComparison.Ordinal);
            Assert.Contains(Emulator.Instances, i => i.Run == "others-run-1" && i.State is "pending" or "running");
            await AssertNothingBilledAsync("ghost-run-1");
        }
        finally
        {
            await ec2.TerminateInstancesAsync(new Amazon.EC2.Model.TerminateInstancesRequest { InstanceIds = [others] });
        }

        await AssertNothingBilledAsync("others-run-1");
    }

    private EmulatedInstance LiveInstance(string run) =>
        Emulator.Instances.Single(i => i.Run == run && i.State is "pending" or "running");

    /// <summary>The manifest's attempts once the last one is closed (its machine released).</summary>
    private static async Task<List<JsonElement>> FinalAttemptsAsync(DstackSandbox sandbox, string run, int count)
    {
        var path = Path.Combine(sandbox.Home, "storage", "runs", run, "manifest.json");
        List<JsonElement> attempts = [];
        await Eventually.TrueAsync(
            async () =>
            {
                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
                attempts = [.. json.RootElement.GetProperty("attempts").EnumerateArray().Select(a => a.Clone())];
                return attempts.Count == count && attempts[^1].GetProperty("endedAt").ValueKind == JsonValueKind.String;
            },
            TimeSpan.FromSeconds(60),
            $"{count} closed attempts in the manifest of {run}");
        return attempts;
    }

    /// <summary>Every instance of the run is terminated and billed no longer.</summary>
    private async Task AssertNothingBilledAsync(string run)
    {
        await Eventually.TrueAsync(
            () => Task.FromResult(Emulator.Instances.Where(i => i.Run == run).All(i => i.State == "terminated") && Emulator.Ledger.Where(e => e.Run == run).All(e => !e.Live)),
            TimeSpan.FromSeconds(60),
            $"every instance of {run} to be terminated");
        Assert.Empty(Emulator.BootFailures);
    }

    private Task<DstackSandbox> StartAsync(IReadOnlyDictionary<string, string>? environment = null) => DstackSandbox.CreateAsync(async sandbox =>
    {
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            sandbox.Environment[key] = value;
        }

        sandbox.Environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        sandbox.Environment["AWS_SECRET_ACCESS_KEY"] = "secret";
        await File.WriteAllTextAsync(Path.Combine(sandbox.Home, "config.yml"), $"""
            backends:
              - type: aws
                regions: [us-east-1, us-west-2]
                endpoint: {Emulator.Endpoint}
                ssh_user: root

            """);
        await sandbox.InitRepoAsync(Workflows, DevEnvironmentSteps.Files);
        await sandbox.StartDstackServerAsync();
    });
}
