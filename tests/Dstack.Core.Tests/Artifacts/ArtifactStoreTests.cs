using Dstack.Core.Artifacts;
using Dstack.Core.Storage;

namespace Dstack.Core.Tests.Artifacts;

public sealed class ArtifactStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task UploadPathsAsync_OnlyThePathsAsked_DownloadKeepsBytesAndExecutableBit()
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        _dir.Write("src/data/a.txt", "alpha\n");
        var tool = _dir.Write("src/env/bin/tool", "#!/bin/sh\necho tool\n");
        _dir.Write("src/other/skip.txt", "not asked for\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tool, (UnixFileMode)0b111_101_101);
        }

        var sut = new ArtifactStore(storage);
        var index = await sut.UploadPathsAsync("data-set-1", "main", _dir.Combine("src"), ["data", "./env/"]);

        Assert.Equal(["data/a.txt", "env/bin/tool"], index.Files.Select(f => f.Path));
        await sut.DownloadAsync("data-set-1", "main", _dir.Combine("out"));
        Assert.Equal("alpha\n", await File.ReadAllTextAsync(_dir.Combine("out", "data", "a.txt")));
        Assert.False(File.Exists(_dir.Combine("out", "other", "skip.txt")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.NotEqual(UnixFileMode.None, File.GetUnixFileMode(_dir.Combine("out", "env", "bin", "tool")) & UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task UploadPathsAsync_PathOutsideRoot_Refused()
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        Directory.CreateDirectory(_dir.Combine("src"));

        await Assert.ThrowsAsync<ArgumentException>(() => new ArtifactStore(storage).UploadPathsAsync("r", "main", _dir.Combine("src"), ["../storage"]));
    }

    [Fact]
    public async Task DownloadAsync_TamperedFile_ClearErrorAndNothingLeftBehind()
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        _dir.Write("src/out/model.bin", "0123456789");
        await new ArtifactStore(storage).UploadAsync("run-1", "main", _dir.Combine("src"), ["out"]);
        await File.WriteAllTextAsync(_dir.Combine("storage", "runs", "run-1", "artifacts", "main", "files", "out", "model.bin"), "0123456780");

        var error = await Assert.ThrowsAsync<ArtifactIntegrityException>(() => new ArtifactStore(storage).DownloadAsync("run-1", "main", _dir.Combine("dl")));

        Assert.Contains("out/model.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_dir.Combine("dl"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("{\"Files\": [{\"Path\": \"out/mod")]
    [InlineData("null")]
    public async Task ReadIndexAsync_CutShortOrNull_StorageErrorNamingTheFileAndWhatToDo(string damaged)
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        _dir.Write("src/out/model.bin", "0123456789");
        await new ArtifactStore(storage).UploadAsync("run-1", "main", _dir.Combine("src"), ["out"]);
        await using (var json = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(damaged)))
        {
            await storage.PutAsync(StorageLayout.ArtifactIndex("run-1", "main"), json);
        }

        var error = await Assert.ThrowsAsync<StorageException>(() => new ArtifactStore(storage).ReadIndexAsync("run-1", "main"));

        Assert.Contains(StorageLayout.ArtifactIndex("run-1", "main"), error.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
        Assert.Contains("dstack rm run-1", error.Message, StringComparison.Ordinal);
    }
}
