using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary><c>mount: true</c> artifacts end to end: synced to storage while the job runs, and on stop.</summary>
public sealed class MountTests
{
    private const string Workflows = """
        workflows:
          - name: train
            provider: bash
            commands:
              - mkdir -p checkpoints
              - echo "epoch 1" > checkpoints/epoch-1.txt
              - echo "checkpoint written"
              - 'while [ ! -f checkpoints/go-on ]; do sleep 0.05; done'
              - echo "epoch 2" > checkpoints/epoch-2.txt
              - 'for i in $(seq 1 3000); do sleep 0.1; done'
            artifacts:
              - path: checkpoints
                mount: true
        """;

    [Fact]
    public async Task Mount_FileWrittenMidRun_InStorageBeforeTheRunEnds_AndOnStop()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        await sandbox.StartDstackServerAsync();
        var name = await SubmitAsync(sandbox, "train");
        var checkpoint = Path.Combine(sandbox.Home, "storage", "runs", name, "checkpoint", "main", "files", "checkpoints");

        await Eventually.TrueAsync(() => File.Exists(Path.Combine(checkpoint, "epoch-1.txt")), TimeSpan.FromSeconds(60), "epoch-1.txt in storage");
        Assert.Equal("epoch 1\n", await File.ReadAllTextAsync(Path.Combine(checkpoint, "epoch-1.txt")));
        var manifest = await DataTests.ManifestAsync(sandbox, name);
        Assert.Equal("running", manifest.GetProperty("status").GetString()?.ToLowerInvariant());

        // Let the job write one more file, then stop it: the file reaches storage with the final sync at the latest.
        var job = Path.Combine(sandbox.Home, "instance", "jobs", name, "main", "code", "checkpoints");
        await File.WriteAllTextAsync(Path.Combine(job, "go-on"), "go\n");
        await Eventually.TrueAsync(() => File.Exists(Path.Combine(job, "epoch-2.txt")), TimeSpan.FromSeconds(30), "epoch-2.txt in the job folder");
        var stop = await sandbox.DstackAsync("stop", name, "-y");
        Assert.True(stop.ExitCode == 0, stop.Output);
        manifest = await WaitFinishedAsync(sandbox, name);
        Assert.Equal("stopped", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        Assert.Equal("epoch 2\n", await File.ReadAllTextAsync(Path.Combine(checkpoint, "epoch-2.txt")));

        // The mounted folder is also an ordinary artifact of the run.
        var list = await sandbox.DstackAsync("artifacts", "list", name);
        Assert.Contains("checkpoints/epoch-2.txt", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mount_NoPeriodicSyncDue_StopStillSyncsTheLastFiles()
    {
        // No periodic sync falls due during the test: only the sync on stop can bring epoch-2.txt to storage.
        await using var sandbox = new DstackSandbox();
        sandbox.Environment["DSTACK_MOUNT_SYNC_INTERVAL"] = "3600";
        await sandbox.InitRepoAsync(Workflows);
        await sandbox.StartDstackServerAsync();
        var name = await SubmitAsync(sandbox, "train");
        var checkpoint = Path.Combine(sandbox.Home, "storage", "runs", name, "checkpoint", "main", "files", "checkpoints");
        var job = Path.Combine(sandbox.Home, "instance", "jobs", name, "main", "code", "checkpoints");
        await Eventually.TrueAsync(() => File.Exists(Path.Combine(job, "epoch-1.txt")), TimeSpan.FromSeconds(60), "epoch-1.txt in the job folder");
        await File.WriteAllTextAsync(Path.Combine(job, "go-on"), "go\n");
        await Eventually.TrueAsync(() => File.Exists(Path.Combine(job, "epoch-2.txt")), TimeSpan.FromSeconds(30), "epoch-2.txt in the job folder");
        Assert.False(File.Exists(Path.Combine(checkpoint, "epoch-2.txt")), "synced before the stop");

        var stop = await sandbox.DstackAsync("stop", name, "-y");
        Assert.True(stop.ExitCode == 0, stop.Output);
        var manifest = await WaitFinishedAsync(sandbox, name);
        Assert.Equal("stopped", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        Assert.Equal("epoch 1\n", await File.ReadAllTextAsync(Path.Combine(checkpoint, "epoch-1.txt")));
        Assert.Equal("epoch 2\n", await File.ReadAllTextAsync(Path.Combine(checkpoint, "epoch-2.txt")));
    }
}
