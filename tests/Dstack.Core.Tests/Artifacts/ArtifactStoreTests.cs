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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DownloadAsync_TamperedFile_ClearErrorAndNothingLeftBehind(bool kernelCopy)
    {
        var storage = Storage(kernelCopy);
        _dir.Write("src/out/model.bin", "0123456789");
        await new ArtifactStore(storage).UploadAsync("run-1", "main", _dir.Combine("src"), ["out"]);
        await File.WriteAllTextAsync(_dir.Combine("storage", "runs", "run-1", "artifacts", "main", "files", "out", "model.bin"), "0123456780");

        var error = await Assert.ThrowsAsync<ArtifactIntegrityException>(() => new ArtifactStore(storage).DownloadAsync("run-1", "main", _dir.Combine("dl")));

        Assert.Contains("out/model.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("blake3", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_dir.Combine("dl"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UploadAsync_RecordsTheBlake3OfEachFileAndNoSha256_AndDownloadsTheSameBytes(bool kernelCopy)
    {
        var storage = Storage(kernelCopy);
        _dir.Write("src/out/abc.txt", "abc");
        var big = _dir.Combine("src", "out", "big.bin");
        var bytes = new byte[(9 << 20) + 3];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(big, bytes);

        var index = await new ArtifactStore(storage).UploadAsync("run-1", "main", _dir.Combine("src"), ["out"]);

        // BLAKE3 of "abc" from the reference implementation (b3sum).
        var abc = index.Files.Single(f => f.Path == "out/abc.txt");
        Assert.Equal(new ContentHash(ContentHashAlgorithm.Blake3, "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"), abc.Hash);
        var json = await File.ReadAllTextAsync(_dir.Combine("storage", "runs", "run-1", "artifacts", "main", "index.json"));
        Assert.Contains("\"blake3\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("sha256", json, StringComparison.Ordinal);
        Assert.Equal(bytes.Length, index.Files.Single(f => f.Path == "out/big.bin").Size);

        await new ArtifactStore(storage).DownloadAsync("run-1", "main", _dir.Combine("dl"));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_dir.Combine("dl", "out", "big.bin")));
        Assert.Equal("abc", await File.ReadAllTextAsync(_dir.Combine("dl", "out", "abc.txt")));
        Assert.Empty(Directory.EnumerateFiles(_dir.Combine("storage"), ".dstack-tmp-*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DownloadAsync_IndexWrittenBeforeBlake3_ChecksTheSha256ItRecords(bool kernelCopy)
    {
        var storage = Storage(kernelCopy);
        await StoreAsync(storage, StorageLayout.Artifact("old-run", "main", "out/abc.txt"), "abc");
        await StoreAsync(
            storage,
            StorageLayout.ArtifactIndex("old-run", "main"),
            """{"paths":["out"],"files":[{"path":"out/abc.txt","size":3,"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","executable":false}]}""");

        await new ArtifactStore(storage).DownloadAsync("old-run", "main", _dir.Combine("dl"));
        Assert.Equal("abc", await File.ReadAllTextAsync(_dir.Combine("dl", "out", "abc.txt")));

        var plan = await ArtifactStore.PlanDownloadAsync("old-run", (await new ArtifactStore(storage).ReadIndexAsync("old-run", "main"))!, _dir.Combine("dl"));
        Assert.Single(plan.Same);

        await StoreAsync(storage, StorageLayout.Artifact("old-run", "main", "out/abc.txt"), "abd");
        var error = await Assert.ThrowsAsync<ArtifactIntegrityException>(() => new ArtifactStore(storage).DownloadAsync("old-run", "main", _dir.Combine("dl2")));
        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadAsync_LocalStorage_TheStoredObjectIsNewTheRecordKeepsTheFilesTime()
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        var model = _dir.Write("src/out/model.bin", "weights");
        var trained = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(model, trained);
        var before = DateTime.UtcNow.AddSeconds(-1);

        var index = await new ArtifactStore(storage).UploadAsync("run-1", "main", _dir.Combine("src"), ["out"]);

        Assert.Equal(trained, index.Files.Single().ModifiedAt!.Value.UtcDateTime);
        var stored = (await storage.ListAsync(StorageLayout.Artifact("run-1", "main", "out/"))).Single();
        Assert.True(stored.LastModified >= before, $"the stored object's time {stored.LastModified:O} is the source's, not when it was stored");
    }

    private IStorage Storage(bool kernelCopy)
    {
        var local = new LocalStorage(_dir.Combine("storage"));
        return kernelCopy ? local : new StreamOnlyStorage(local);
    }

    private static async Task StoreAsync(IStorage storage, string key, string text)
    {
        await using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        await storage.PutAsync(key, content);
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
