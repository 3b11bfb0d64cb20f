using Dstack.Core.Jobs;
using Dstack.Core.Storage;

namespace Dstack.Backends.Local.Tests;

/// <summary>MountSync over a real local shell and real local storage.</summary>
public sealed class MountSyncTests : IAsyncLifetime
{
    private readonly TestHome _home = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _home.CleanupAsync();

    [Fact]
    public async Task SyncAsync_OnlyChangedAndDeletedFiles_ThenRestoreIntoANewJobFolder()
    {
        var storage = new LocalStorage(Path.Combine(_home.Path, "storage"));
        var runner = await _home.PrepareAsync(TestHome.Spec("mount-1", "true"));
        var folder = Path.Combine(runner.CodeDirectory, "ckpt");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        for (var i = 0; i < 20; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "sub", $"f{i}.txt"), $"file {i}\n");
        }

        var sut = new MountSync(_home.Shell, storage, runner, ["./ckpt"], null);

        Assert.Equal(20, await sut.SyncAsync());
        Assert.Equal(0, await sut.SyncAsync()); // nothing changed

        await File.WriteAllTextAsync(Path.Combine(folder, "sub", "f3.txt"), "file 3, epoch 2\n");
        File.Delete(Path.Combine(folder, "sub", "f7.txt"));
        Assert.Equal(2, await sut.SyncAsync());
        Assert.Equal("file 3, epoch 2\n", await File.ReadAllTextAsync(Path.Combine(storage.Root, "runs", "mount-1", "checkpoint", "main", "files", "ckpt", "sub", "f3.txt")));
        Assert.False(File.Exists(Path.Combine(storage.Root, "runs", "mount-1", "checkpoint", "main", "files", "ckpt", "sub", "f7.txt")));

        // A next attempt: the job folder is gone and made again; the checkpoint comes back, and is not uploaded twice.
        await runner.CleanupAsync();
        var next = await _home.PrepareAsync(TestHome.Spec("mount-1", "true"));
        var restore = new MountSync(_home.Shell, storage, next, ["ckpt"], null);
        Assert.Equal(19, await restore.RestoreAsync());
        Assert.Equal("file 3, epoch 2\n", await File.ReadAllTextAsync(Path.Combine(next.CodeDirectory, "ckpt", "sub", "f3.txt")));
        Assert.Equal("file 12\n", await File.ReadAllTextAsync(Path.Combine(next.CodeDirectory, "ckpt", "sub", "f12.txt")));
        Assert.False(File.Exists(Path.Combine(next.CodeDirectory, "ckpt", "sub", "f7.txt")));
        Assert.Equal(0, await restore.SyncAsync());
    }

    [Fact]
    public async Task RestoreAsync_TamperedCheckpoint_Refused()
    {
        var storage = new LocalStorage(Path.Combine(_home.Path, "storage"));
        var runner = await _home.PrepareAsync(TestHome.Spec("mount-2", "true"));
        Directory.CreateDirectory(Path.Combine(runner.CodeDirectory, "ckpt"));
        await File.WriteAllTextAsync(Path.Combine(runner.CodeDirectory, "ckpt", "model.bin"), "weights\n");
        await new MountSync(_home.Shell, storage, runner, ["ckpt"], null).SyncAsync();
        await File.WriteAllTextAsync(Path.Combine(storage.Root, "runs", "mount-2", "checkpoint", "main", "files", "ckpt", "model.bin"), "WEIGHTS\n");

        var sut = new MountSync(_home.Shell, storage, new JobRunner(_home.Shell, "mount-2", "main"), ["ckpt"], null);

        var error = await Assert.ThrowsAsync<Dstack.Core.Artifacts.ArtifactIntegrityException>(() => sut.RestoreAsync());
        Assert.Contains("ckpt/model.bin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithSecret_JobGetsItAndItsOutputIsMasked()
    {
        var spec = TestHome.Spec("secret-1", "echo \"a=$TOKEN b=$TOKEN\"", "echo \"err $TOKEN\" >&2", "printf 'no newline at the end'") with { Secrets = ["TOKEN"] };
        var runner = await _home.PrepareAsync(spec);

        await runner.StartAsync(new Dictionary<string, string> { ["TOKEN"] = "p4ss w*rd" });

        Assert.Equal(0, await TestHome.ExitCodeAsync(runner));
        var log = await _home.LogAsync(runner);
        Assert.Equal("a=*** b=***\nerr ***\nno newline at the end\n", log);
        Assert.DoesNotContain("p4ss", await File.ReadAllTextAsync(Path.Combine(runner.JobDirectory, "job.sh")), StringComparison.Ordinal);
    }
}
