using System.Text;
using Dstack.Core.Storage;

namespace Dstack.Core.Tests.Storage;

public sealed class LocalStorageTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static MemoryStream Text(string s) => new(Encoding.UTF8.GetBytes(s));

    private static async Task<string?> ReadAsync(LocalStorage storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task PutAsync_ThenOpenRead_ReturnsContent_AndReplaceLeavesNoTempFiles()
    {
        var sut = new LocalStorage(_dir.Path);

        await sut.PutAsync("runs/a/manifest.json", Text("one"));
        await sut.PutAsync("runs/a/manifest.json", Text("two"));

        Assert.Equal("two", await ReadAsync(sut, "runs/a/manifest.json"));
        Assert.True(await sut.ExistsAsync("runs/a/manifest.json"));
        Assert.Single(Directory.GetFiles(_dir.Combine("runs", "a")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4 << 20)] // exactly one chunk
    [InlineData((9 << 20) + 123)] // two full chunks, written while the next is read, and a part
    public async Task PutAsync_ContentOfAnySize_StoredByteForByte(int size)
    {
        var sut = new LocalStorage(_dir.Path);
        var content = new byte[size];
        new Random(size).NextBytes(content);

        await sut.PutAsync("runs/a/artifacts/main/files/model.bin", new MemoryStream(content));

        Assert.Equal(content, await File.ReadAllBytesAsync(_dir.Combine("runs", "a", "artifacts", "main", "files", "model.bin")));
    }

    [Fact]
    public async Task PutAsync_FailingSource_KeepsOldObjectAndNoTempFile()
    {
        var sut = new LocalStorage(_dir.Path);
        await sut.PutAsync("k/v", Text("old"));

        await Assert.ThrowsAsync<IOException>(() => sut.PutAsync("k/v", new FailingStream()));

        Assert.Equal("old", await ReadAsync(sut, "k/v"));
        Assert.Single(Directory.GetFiles(_dir.Combine("k")));
    }

    [Fact]
    public async Task OpenReadAsync_Missing_ReturnsNull()
    {
        var sut = new LocalStorage(_dir.Path);

        Assert.Null(await sut.OpenReadAsync("nothing/here"));
        Assert.False(await sut.ExistsAsync("nothing/here"));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsMatchingKeysInOrdinalOrderWithSizes()
    {
        var sut = new LocalStorage(_dir.Path);
        foreach (var key in new[] { "runs/b/x", "runs/a/Z", "runs/a/a", "runs/ab/y", "tags/t.json" })
        {
            await sut.PutAsync(key, Text(key));
        }

        var all = await sut.ListAsync("runs/");
        var partial = await sut.ListAsync("runs/a");

        Assert.Equal(["runs/a/Z", "runs/a/a", "runs/ab/y", "runs/b/x"], all.Select(o => o.Key));
        Assert.Equal(["runs/a/Z", "runs/a/a", "runs/ab/y"], partial.Select(o => o.Key));
        Assert.All(all, o => Assert.Equal(o.Key.Length, o.Size));
        Assert.Empty(await sut.ListAsync("missing/"));
    }

    [Fact]
    public async Task DeletePrefixAsync_RemovesOnlyMatchingObjects()
    {
        var sut = new LocalStorage(_dir.Path);
        await sut.PutAsync("runs/a/1", Text("1"));
        await sut.PutAsync("runs/a/logs/main/2", Text("2"));
        await sut.PutAsync("runs/ab/3", Text("3"));

        await sut.DeletePrefixAsync("runs/a/");

        Assert.Equal(["runs/ab/3"], (await sut.ListAsync(string.Empty)).Select(o => o.Key));
        Assert.False(Directory.Exists(_dir.Combine("runs", "a")));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/absolute")]
    [InlineData("a/../../b")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public async Task PutAsync_InvalidKey_Throws(string key)
    {
        var sut = new LocalStorage(_dir.Path);

        await Assert.ThrowsAsync<ArgumentException>(() => sut.PutAsync(key, Text("x")));
    }

    private sealed class FailingStream : MemoryStream
    {
        public FailingStream()
            : base(new byte[10])
        {
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new IOException("broken source");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            throw new IOException("broken source");

        // Local storage reads its content synchronously (see FileChunkWriter).
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("broken source");

        public override int Read(Span<byte> buffer) => throw new IOException("broken source");
    }
}
