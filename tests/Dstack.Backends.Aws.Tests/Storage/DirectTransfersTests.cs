using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Dstack.Backends.Local;
using Dstack.Core.Artifacts;
using Dstack.Core.Jobs;
using Dstack.Core.Storage;

namespace Dstack.Backends.Aws.Tests.Storage;

/// <summary>
/// The instance (this machine, through its local shell) moves code and artifacts to and from s3rver itself, with curl
/// and presigned URLs; the worker side only hands out URLs and checks the result.
/// </summary>
public sealed class DirectTransfersTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("dstack-direct-");

    public void Dispose() => _folder.Delete(recursive: true);

    private LocalShell Shell() => new(Path.Combine(_folder.FullName, "instance"));

    [S3Fact]
    public async Task PrepareAsync_CodeInS3_InstanceDownloadsAndUnpacksIt()
    {
        var storage = s3.CreateStorage();
        using (var archive = new MemoryStream())
        {
            await using (var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true))
            await using (var tar = new TarWriter(gzip))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, "src/train.py") { DataStream = new MemoryStream("print('hi')\n"u8.ToArray()) };
                await tar.WriteEntryAsync(entry);
            }

            archive.Position = 0;
            await storage.PutAsync("code/abc.tar.gz", archive);
        }

        await using var shell = Shell();
        var job = new JobRunner(shell, "direct-1", "main");

        var prepared = await DirectTransfers.PrepareAsync(job, storage, "code/abc.tar.gz", "echo job\n");

        Assert.True(prepared);
        Assert.Equal("print('hi')\n", await File.ReadAllTextAsync(Path.Combine(job.CodeDirectory, "src", "train.py")));
        Assert.False(await DirectTransfers.PrepareAsync(job, storage, "code/abc.tar.gz", "echo job\n"));
    }

    [S3Fact]
    public async Task PrepareAsync_MissingCode_FailsWithTheCurlError()
    {
        var storage = s3.CreateStorage();
        await using var shell = Shell();
        var job = new JobRunner(shell, "direct-2", "main");

        var e = await Assert.ThrowsAsync<JobException>(() => DirectTransfers.PrepareAsync(job, storage, "code/missing.tar.gz", "echo job\n"));

        Assert.Contains("downloading the code from storage", e.Message, StringComparison.Ordinal);
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
    }

    [S3Fact]
    public async Task UploadArtifactsAsync_InstanceUploadsEachFile_DownloadVerifiesThemByteForByte()
    {
        var storage = s3.CreateStorage();
        await using var shell = Shell();
        var job = new JobRunner(shell, "direct-3", "main");
        var files = new Dictionary<string, byte[]>
        {
            ["output/a.txt"] = "alpha\n"u8.ToArray(),
            ["output/sub/big.bin"] = RandomNumberGenerator.GetBytes((6 * 1024 * 1024) + 3),
            ["output/with space \"and quote\".txt"] = "odd name\n"u8.ToArray(),
            ["output/empty"] = [],
            ["other/not-an-artifact.txt"] = "no\n"u8.ToArray(),
        };
        foreach (var (path, data) in files)
        {
            var full = Path.Combine(job.CodeDirectory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllBytesAsync(full, data);
        }

        var index = await DirectTransfers.UploadArtifactsAsync(job, storage, ["output", "missing"], workingDir: null);

        Assert.Equal(["output/a.txt", "output/empty", "output/sub/big.bin", "output/with space \"and quote\".txt"], index.Files.Select(f => f.Path));
        Assert.All(index.Files, f => Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(files[f.Path])), f.Sha256));
        Assert.False(File.Exists(Path.Combine(job.JobDirectory, "upload.curl"))); // the URLs do not stay on the instance

        var target = Path.Combine(_folder.FullName, "download");
        await new ArtifactStore(storage).DownloadAsync("direct-3", "main", target);
        foreach (var file in index.Files)
        {
            Assert.Equal(files[file.Path], await File.ReadAllBytesAsync(Path.Combine(target, file.Path)));
        }

        Assert.False(await storage.ExistsAsync(StorageLayout.Artifact("direct-3", "main", "other/not-an-artifact.txt")));
    }

    [S3Fact]
    public async Task UploadFilesAsync_OneUploadRefused_FailsTheWholeUpload()
    {
        var storage = s3.CreateStorage();
        await using var shell = Shell();
        var job = new JobRunner(shell, "direct-4", "main");
        Directory.CreateDirectory(job.CodeDirectory);
        await File.WriteAllTextAsync(Path.Combine(job.CodeDirectory, "a.txt"), "a");
        await File.WriteAllTextAsync(Path.Combine(job.CodeDirectory, "b.txt"), "b");
        var good = await storage.GetUploadUrlAsync("a.txt", TimeSpan.FromMinutes(5));
        var refused = new Uri(s3.Server!.Endpoint, "/no-such-bucket/b.txt");

        var e = await Assert.ThrowsAsync<JobException>(() => job.UploadFilesAsync([("a.txt", good), ("b.txt", refused)], workingDir: null));

        Assert.Contains("uploading the artifacts to storage", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(job.JobDirectory, "upload.curl")));
    }
}
