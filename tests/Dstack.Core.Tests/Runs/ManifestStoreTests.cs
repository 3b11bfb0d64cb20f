using System.Text;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;

namespace Dstack.Core.Tests.Runs;

public sealed class ManifestStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static RunManifest Manifest(string run, RunStatus status) => new()
    {
        Spec = new RunSpec
        {
            RunName = run,
            WorkflowName = "train",
            Provider = WorkflowProvider.Bash,
            Repo = new RepoInfo("repo", null, "main", null, false),
            CodeHash = "abc",
            Commands = ["python train.py"],
            Env = new Dictionary<string, string> { ["A"] = "1" },
            Resources = new ResourceRequest { GpuCountMin = 1, Summary = "1 GPU" },
            RetryDuration = TimeSpan.FromMinutes(5),
            User = "me",
            SubmittedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        },
        Status = status,
        ExitCode = 0,
        PricePerHour = 1.25m,
        Artifacts = ["model"],
    };

    [Fact]
    public async Task WriteThenRead_RoundTrips_WithEnumsAsCamelCaseStrings()
    {
        var storage = new LocalStorage(_dir.Path);
        var sut = new ManifestStore(storage);
        var manifest = Manifest("wise-owl-1", RunStatus.Done);

        await sut.WriteAsync(manifest);
        var read = await sut.ReadAsync("wise-owl-1");
        var json = await File.ReadAllTextAsync(_dir.Combine("runs", "wise-owl-1", "manifest.json"));

        Assert.NotNull(read);
        Assert.Equal(RunStatus.Done, read.Status);
        Assert.Equal("python train.py", Assert.Single(read.Spec.Commands));
        Assert.Equal("1", read.Spec.Env["A"]);
        Assert.Equal(TimeSpan.FromMinutes(5), read.Spec.RetryDuration);
        Assert.Equal(1, read.Spec.Resources.GpuCountMin);
        Assert.Contains("\"status\": \"done\"", json, StringComparison.Ordinal);
        Assert.Contains("\"runName\": \"wise-owl-1\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_ReturnsOnlyRunManifests()
    {
        var storage = new LocalStorage(_dir.Path);
        var sut = new ManifestStore(storage);
        await sut.WriteAsync(Manifest("a-1", RunStatus.Failed));
        await sut.WriteAsync(Manifest("b-2", RunStatus.Running));
        await storage.PutAsync("runs/a-1/artifacts/main/files/manifest.json", new MemoryStream(Encoding.UTF8.GetBytes("not a manifest")));

        var all = await sut.ListAsync();

        Assert.Equal(["a-1", "b-2"], all.Select(m => m.Spec.RunName));
        Assert.Null(await sut.ReadAsync("missing"));
    }

    [Fact]
    public async Task ReadAsync_Corrupt_ThrowsStorageException()
    {
        var storage = new LocalStorage(_dir.Path);
        await storage.PutAsync(StorageLayout.Manifest("bad"), new MemoryStream(Encoding.UTF8.GetBytes("{")));

        var e = await Assert.ThrowsAsync<StorageException>(() => new ManifestStore(storage).ReadAsync("bad"));

        Assert.Equal("runs/bad/manifest.json", e.Key);
    }
}
