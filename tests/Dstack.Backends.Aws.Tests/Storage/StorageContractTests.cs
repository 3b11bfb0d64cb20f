using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3.Model;
using Dstack.Backends.Aws.Storage;
using Dstack.Core.Storage;

namespace Dstack.Backends.Aws.Tests.Storage;

/// <summary>
/// What every <see cref="IStorage"/> must do, run against a local folder and against S3 (a real s3rver). Every byte that
/// goes in is compared with what comes out.
/// </summary>
public sealed class StorageContractTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IDisposable
{
    private readonly string _localRoot = Path.Combine(Path.GetTempPath(), "dstack-storage-" + Guid.NewGuid().ToString("N")[..12]);

    private IStorage Create(string kind, int partSize = S3StorageOptions.MinPartSize) => kind switch
    {
        "local" => new LocalStorage(_localRoot),
        "s3" => s3.CreateStorage(partSize),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static async Task<byte[]?> ReadAsync(IStorage storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key);
        if (stream is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static async Task PutAsync(IStorage storage, string key, byte[] data, bool seekable = true)
    {
        await using Stream stream = seekable ? new MemoryStream(data) : new OneWayStream(data);
        await storage.PutAsync(key, stream);
    }

    private static bool Same(byte[] expected, byte[]? actual) => actual is not null && expected.AsSpan().SequenceEqual(actual);

    private static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task PutAsync_ThenOpenRead_ReturnsTheSameBytes(string kind)
    {
        var sut = Create(kind);

        await PutAsync(sut, "runs/r1/manifest.json", Encoding.UTF8.GetBytes("{\"a\":1}"));
        await PutAsync(sut, "empty", []);
        await PutAsync(sut, "runs/r1/logs/main/0000000000000000.log", Encoding.UTF8.GetBytes("hello\n"), seekable: false);

        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString((await ReadAsync(sut, "runs/r1/manifest.json"))!));
        Assert.Empty((await ReadAsync(sut, "empty"))!);
        Assert.Equal("hello\n", Encoding.UTF8.GetString((await ReadAsync(sut, "runs/r1/logs/main/0000000000000000.log"))!));
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task PutAsync_ExistingKey_ReplacesTheObject(string kind)
    {
        var sut = Create(kind);
        await PutAsync(sut, "tags/t.json", Encoding.UTF8.GetBytes("first, longer value"));

        await PutAsync(sut, "tags/t.json", Encoding.UTF8.GetBytes("second"));

        Assert.Equal("second", Encoding.UTF8.GetString((await ReadAsync(sut, "tags/t.json"))!));
        Assert.Single(await sut.ListAsync("tags/"));
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task OpenReadAsync_MissingKey_ReturnsNullAndExistsIsFalse(string kind)
    {
        var sut = Create(kind);
        await PutAsync(sut, "code/abc.tar.gz", [1, 2, 3]);

        Assert.Null(await ReadAsync(sut, "code/abd.tar.gz"));
        Assert.False(await sut.ExistsAsync("code/abd.tar.gz"));
        Assert.False(await sut.ExistsAsync("code"));
        Assert.True(await sut.ExistsAsync("code/abc.tar.gz"));
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task ListAsync_Prefix_ReturnsOnlyItsObjectsOrderedByKeyWithSizes(string kind)
    {
        var sut = Create(kind);
        string[] keys = ["runs/b/x", "runs/a/z", "runs/a/b/c", "runs/a-1", "runs/aa", "runs/A", "tags/a.json"];
        for (var i = 0; i < keys.Length; i++)
        {
            await PutAsync(sut, keys[i], new byte[i + 1]);
        }

        var all = await sut.ListAsync("runs/");
        var underA = await sut.ListAsync("runs/a");
        var folderA = await sut.ListAsync("runs/a/");

        Assert.Equal(["runs/A", "runs/a-1", "runs/a/b/c", "runs/a/z", "runs/aa", "runs/b/x"], all.Select(o => o.Key));
        Assert.Equal([6, 4, 3, 2, 5, 1], all.Select(o => o.Size));
        Assert.Equal(["runs/a-1", "runs/a/b/c", "runs/a/z", "runs/aa"], underA.Select(o => o.Key));
        Assert.Equal(["runs/a/b/c", "runs/a/z"], folderA.Select(o => o.Key));
        Assert.Empty(await sut.ListAsync("nothing/"));
        Assert.All(all, o => Assert.InRange(o.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5)));
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task DeletePrefixAsync_RemovesOnlyObjectsUnderThePrefix(string kind)
    {
        var sut = Create(kind);
        foreach (var key in new[] { "runs/r1/manifest.json", "runs/r1/logs/main/0.log", "runs/r10/manifest.json", "runs/r2/manifest.json" })
        {
            await PutAsync(sut, key, [42]);
        }

        await sut.DeletePrefixAsync("runs/r1/");

        Assert.Equal(["runs/r10/manifest.json", "runs/r2/manifest.json"], (await sut.ListAsync(string.Empty)).Select(o => o.Key));
        Assert.False(await sut.ExistsAsync("runs/r1/manifest.json"));
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task Keys_OutsideTheStorage_AreRefused(string kind)
    {
        var sut = Create(kind);

        foreach (var key in new[] { "../x", "/x", "a//b", "a/./b", "a/", "" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => sut.PutAsync(key, new MemoryStream([1])));
        }

        await Assert.ThrowsAsync<ArgumentException>(() => sut.ListAsync("../"));
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task PutAsync_LargeObjectFromAOneWayStream_ComesBackByteForByte(string kind)
    {
        // Three and a half parts: a multipart upload and a parallel ranged read, with a short last part.
        var sut = Create(kind);
        var data = RandomBytes((7 * S3StorageOptions.MinPartSize / 2) + 12345, seed: 1);

        await PutAsync(sut, "runs/big/artifacts/main/files/model.bin", data, seekable: false);
        var back = await ReadAsync(sut, "runs/big/artifacts/main/files/model.bin");

        Assert.Equal(data.Length, back!.Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
        Assert.True(data.AsSpan().SequenceEqual(back));
        Assert.Equal(data.Length, Assert.Single(await sut.ListAsync("runs/big/")).Size);
        if (sut is S3Storage s3Storage)
        {
            // Looked at with another client: the bucket holds exactly these bytes, not aws-chunked framing around them.
            var key = s3Storage.Location.Split('/', 4)[3] + "/runs/big/artifacts/main/files/model.bin";
            using var raw = await s3.Client.GetObjectAsync(new GetObjectRequest { BucketName = s3.Server!.Bucket, Key = key });
            using var copy = new MemoryStream();
            await raw.ResponseStream.CopyToAsync(copy);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));
        }
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task PutAsync_ExactlyOnePart_ComesBackByteForByte(string kind)
    {
        var sut = Create(kind);
        var data = RandomBytes(S3StorageOptions.MinPartSize, seed: 2);

        await PutAsync(sut, "one-part", data, seekable: false);

        Assert.True(Same(data, await ReadAsync(sut, "one-part")));
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task PutAsync_ConcurrentWritersOfOneKey_ReadersSeeOneWholeVersion(string kind)
    {
        // Writers race on one key (multipart for S3) while a reader keeps reading it: every read must return one whole
        // version, never a mix or a part. A read may instead fail with StorageException ("read it again"): S3 pins the
        // version by ETag; s3rver even rewrites objects in place, so there a racing read, and with concurrent
        // CompleteMultipartUploads of one key the stored object itself, can be damaged, which the MD5 checks must catch.
        var sut = Create(kind);
        var versions = Enumerable.Range(0, 4).Select(i => RandomBytes((S3StorageOptions.MinPartSize * 2) + (i * 1000), seed: 10 + i)).ToList();
        var hashes = versions.Select(v => Convert.ToHexString(SHA256.HashData(v))).ToHashSet();
        await PutAsync(sut, "race", versions[0]);
        using var done = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                byte[]? back;
                try
                {
                    back = await ReadAsync(sut, "race");
                }
                catch (StorageException)
                {
                    continue; // replaced mid-read: the reader is told to read again, which is allowed; a mix is not
                }

                Assert.Contains(Convert.ToHexString(SHA256.HashData(back!)), hashes);
                Interlocked.Increment(ref reads);
            }
        });

        await Task.WhenAll(versions.Select(v => Task.Run(() => PutAsync(sut, "race", v, seekable: false))));

        // One writer now: whatever the race left behind, this version is stored whole and read back whole, by the racing
        // reader (at least once) and here.
        await PutAsync(sut, "race", versions[^1]);
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref reads) == 0 && deadline.Elapsed < TimeSpan.FromSeconds(30) && !reader.IsCompleted)
        {
            await Task.Delay(50);
        }

        await done.CancelAsync();
        await reader;
        Assert.True(Same(versions[^1], await ReadAsync(sut, "race")));
        Assert.True(Volatile.Read(ref reads) > 0, "the reader never read a whole version");
    }

    [Theory]
    [InlineData("local")]
    [S3Data]
    public async Task PutAsync_ConcurrentWritersOfManyKeys_AllArrive(string kind)
    {
        var sut = Create(kind);
        var files = Enumerable.Range(0, 40).ToDictionary(i => $"runs/many/artifacts/main/files/f{i:D3}", i => RandomBytes(1000 + (i * 997), seed: 100 + i));

        await Task.WhenAll(files.Select(f => PutAsync(sut, f.Key, f.Value)));

        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), (await sut.ListAsync("runs/many/")).Select(o => o.Key));
        foreach (var (key, data) in files)
        {
            Assert.Equal(data, await ReadAsync(sut, key));
        }
    }

    [S3Fact]
    public async Task PresignedUrls_CurlUploadsAndDownloads_ByteForByte()
    {
        var sut = s3.CreateStorage();
        var folder = Directory.CreateTempSubdirectory("dstack-presign-");
        try
        {
            var data = RandomBytes((S3StorageOptions.MinPartSize * 3) + 7, seed: 3);
            var source = Path.Combine(folder.FullName, "up.bin");
            await File.WriteAllBytesAsync(source, data);

            var upload = await sut.GetUploadUrlAsync("runs/p/artifacts/main/files/up.bin", TimeSpan.FromMinutes(5));
            await CurlAsync("-fsS", "-X", "PUT", "-T", source, upload.ToString());
            var stored = await ReadAsync(sut, "runs/p/artifacts/main/files/up.bin");

            var download = await sut.GetDownloadUrlAsync("runs/p/artifacts/main/files/up.bin", TimeSpan.FromMinutes(5));
            var target = Path.Combine(folder.FullName, "down.bin");
            await CurlAsync("-fsS", "-o", target, download.ToString());

            Assert.True(data.AsSpan().SequenceEqual(stored));
            Assert.True(Same(data, await File.ReadAllBytesAsync(target)));
            Assert.Contains("X-Amz-Signature=", download.Query, StringComparison.Ordinal);
            Assert.Contains("X-Amz-Expires=300", download.Query, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [S3Fact]
    public async Task PresignedDownloadUrl_AfterItsValidity_IsRefused()
    {
        // s3rver does not check SigV4 signatures (a changed key would pass there), but it does check the expiry.
        var sut = s3.CreateStorage();
        await PutAsync(sut, "code/abc.tar.gz", [1, 2, 3]);
        var url = (await sut.GetDownloadUrlAsync("code/abc.tar.gz", TimeSpan.FromSeconds(5))).ToString();
        var deadline = Stopwatch.StartNew();

        // Valid at first (so a URL that never worked cannot pass), refused once its time is up.
        Assert.Equal(0, await CurlExitAsync("-fsS", "-o", "/dev/null", url));
        int exit;
        while ((exit = await CurlExitAsync("-fsS", "-o", "/dev/null", url)) == 0 && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
        }

        Assert.Equal(22, exit); // curl -f: the server answered with an HTTP error (403 Request has expired)
    }

    [Fact]
    public void LocalStorage_CannotPresign()
    {
        Assert.IsNotAssignableFrom<IPresigningStorage>(new LocalStorage(_localRoot));
    }

    public void Dispose()
    {
        if (Directory.Exists(_localRoot))
        {
            Directory.Delete(_localRoot, recursive: true);
        }
    }

    private static async Task CurlAsync(params string[] arguments)
    {
        var exit = await CurlExitAsync(arguments);
        Assert.True(exit == 0, $"curl {string.Join(' ', arguments)} exited with {exit}");
    }

    private static async Task<int> CurlExitAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stderr;
        return process.ExitCode;
    }
}
