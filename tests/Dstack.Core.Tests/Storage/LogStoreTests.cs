using System.Text;
using Dstack.Core.Storage;

namespace Dstack.Core.Tests.Storage;

public sealed class LogStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task ReadAsync_ContiguousChunks_ReturnsAllFromOffset()
    {
        var sut = new LogStore(new LocalStorage(_dir.Path));
        await sut.AppendAsync("r", "main", 0, B("hello "));
        await sut.AppendAsync("r", "main", 6, B("world\n"));

        var (all, next) = await sut.ReadAsync("r", "main", 0);
        var (tail, tailNext) = await sut.ReadAsync("r", "main", 8);

        Assert.Equal("hello world\n", Encoding.UTF8.GetString(all));
        Assert.Equal(12, next);
        Assert.Equal("rld\n", Encoding.UTF8.GetString(tail));
        Assert.Equal(12, tailNext);
    }

    [Fact]
    public async Task ReadAsync_RewrittenOverlappingChunk_EmitsEachByteOnce()
    {
        var sut = new LogStore(new LocalStorage(_dir.Path));

        // A worker stored [0,4) and [4,8), crashed, and its successor re-read from 2 and stored [2,10).
        await sut.AppendAsync("r", "main", 0, B("abcd"));
        await sut.AppendAsync("r", "main", 4, B("efgh"));
        await sut.AppendAsync("r", "main", 2, B("cdefghij"));

        var (data, next) = await sut.ReadAsync("r", "main", 0);
        var (from5, _) = await sut.ReadAsync("r", "main", 5);

        Assert.Equal("abcdefghij", Encoding.UTF8.GetString(data));
        Assert.Equal(10, next);
        Assert.Equal("fghij", Encoding.UTF8.GetString(from5));
    }

    [Fact]
    public async Task ReadAsync_Gap_StopsBeforeIt()
    {
        var sut = new LogStore(new LocalStorage(_dir.Path));
        await sut.AppendAsync("r", "main", 0, B("abc"));
        await sut.AppendAsync("r", "main", 5, B("fgh"));

        var (data, next) = await sut.ReadAsync("r", "main", 0);
        var (empty, sameOffset) = await sut.ReadAsync("r", "main", 3);

        Assert.Equal("abc", Encoding.UTF8.GetString(data));
        Assert.Equal(3, next);
        Assert.Empty(empty);
        Assert.Equal(3, sameOffset);
    }

    [Fact]
    public async Task ReadAsync_NoLog_ReturnsEmptyAtOffset()
    {
        var sut = new LogStore(new LocalStorage(_dir.Path));

        var (data, next) = await sut.ReadAsync("none", "main", 0);

        Assert.Empty(data);
        Assert.Equal(0, next);
    }
}
