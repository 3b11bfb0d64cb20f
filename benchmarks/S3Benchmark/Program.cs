// S3 transfers against a real s3rver on this machine (tests/tools; `npm ci` there first): N MiB as one object and as
// many 1 MiB files, each way, by dstack's S3Storage (multipart / parallel ranged reads, parallel puts) beside the plain
// SDK baseline (one PutObject / one GetObject, a sequential PutObject loop), and the artifact path a run takes: the
// instance hashes its files and curls them to presigned URLs. Every transfer is checked by sha256.
//
//   dotnet run -c Release --project benchmarks/S3Benchmark -- [MiB] [files]      (defaults: 256 256)
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Dstack.Backends.Aws.Storage;
using Dstack.Backends.Local;
using Dstack.Core.Jobs;
using Dstack.Core.Storage;

var megabytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 256;
var fileCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 256;
if (S3rver.Unavailable() is { } reason)
{
    Console.Error.WriteLine($"cannot run: {reason}");
    return 2;
}

await using var server = await S3rver.StartAsync("bench");
var folder = Directory.CreateTempSubdirectory("dstack-s3-bench-");
try
{
    // dstack takes credentials from the SDK's default chain only; the environment is the simplest link of it.
    Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", S3rver.AccessKey);
    Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", S3rver.SecretKey);
    var options = new S3StorageOptions { Bucket = server.Bucket, Prefix = "bench", Endpoint = server.Endpoint };
    using var storage = new S3Storage(options);
    using var raw = new AmazonS3Client(
        new BasicAWSCredentials(S3rver.AccessKey, S3rver.SecretKey),
        new AmazonS3Config
        {
            ServiceURL = server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = TimeSpan.FromMinutes(10),
        });

    Console.WriteLine($"s3rver at {server.Endpoint}; part size {options.PartSize / 1024 / 1024} MiB, {options.Concurrency} parts at once; {Environment.ProcessorCount} cores");
    var big = RandomNumberGenerator.GetBytes(megabytes * 1024 * 1024);
    var bigHash = SHA256.HashData(big);

    // One object.
    var t = await TimeAsync(() => raw.PutObjectAsync(new PutObjectRequest { BucketName = server.Bucket, Key = "raw/big", InputStream = new MemoryStream(big), UseChunkEncoding = false }));
    Report($"one {megabytes} MiB object, upload, SDK PutObject (one request)", big.Length, t);
    t = await TimeAsync(() => storage.PutAsync("big", new MemoryStream(big)));
    Report($"one {megabytes} MiB object, upload, S3Storage (multipart)", big.Length, t);
    t = await TimeAsync(async () =>
    {
        using var response = await raw.GetObjectAsync(server.Bucket, "raw/big");
        Check(bigHash, await HashAsync(response.ResponseStream), "raw/big");
    });
    Report($"one {megabytes} MiB object, download, SDK GetObject (one request)", big.Length, t);
    t = await TimeAsync(async () =>
    {
        await using var stream = await storage.OpenReadAsync("big") ?? throw new InvalidOperationException("big is missing");
        Check(bigHash, await HashAsync(stream), "big");
    });
    Report($"one {megabytes} MiB object, download, S3Storage (parallel ranges)", big.Length, t);

    // Many files.
    var fileSize = big.Length / fileCount;
    var files = Enumerable.Range(0, fileCount).Select(i => (Key: $"files/f{i:D5}", Data: big.AsMemory(i * fileSize, fileSize))).ToList();
    var total = (long)fileSize * fileCount;
    t = await TimeAsync(async () =>
    {
        foreach (var (key, data) in files)
        {
            await raw.PutObjectAsync(new PutObjectRequest { BucketName = server.Bucket, Key = "raw/" + key, InputStream = new MemoryStream(data.ToArray()), UseChunkEncoding = false });
        }
    });
    Report($"{fileCount} files of {fileSize / 1024} KiB, upload, sequential SDK PutObject loop", total, t);
    t = await TimeAsync(() => Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (f, ct) => await storage.PutAsync(f.Key, new MemoryStream(f.Data.ToArray()), ct)));
    Report($"{fileCount} files of {fileSize / 1024} KiB, upload, S3Storage, 16 at once", total, t);
    t = await TimeAsync(() => Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (f, ct) =>
    {
        await using var stream = await storage.OpenReadAsync(f.Key, ct) ?? throw new InvalidOperationException($"{f.Key} is missing");
        Check(SHA256.HashData(f.Data.Span), await HashAsync(stream), f.Key);
    }));
    Report($"{fileCount} files of {fileSize / 1024} KiB, download, S3Storage, 16 at once", total, t);

    // The artifact path of a run: files on the instance (here this machine), hashed there, curled to presigned URLs.
    await using var shell = new LocalShell(Path.Combine(folder.FullName, "instance"));
    var job = new JobRunner(shell, "bench-run", "main");
    foreach (var (key, data) in files)
    {
        var path = Path.Combine(job.CodeDirectory, "output", key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, data.ToArray());
    }

    var index = default(Dstack.Core.Artifacts.ArtifactIndex);
    t = await TimeAsync(async () => index = await DirectTransfers.UploadArtifactsAsync(job, storage, ["output"], workingDir: null));
    Report($"{fileCount} artifact files, instance hashes and curls them to presigned URLs (8 at once)", total, t);
    if (index!.Files.Count != fileCount)
    {
        throw new InvalidOperationException($"{index.Files.Count} artifact files arrived instead of {fileCount}");
    }

    var target = Path.Combine(folder.FullName, "download");
    t = await TimeAsync(() => new Dstack.Core.Artifacts.ArtifactStore(storage).DownloadAsync("bench-run", "main", target));
    Report($"{fileCount} artifact files, dstack artifacts download (sequential, sha256 checked)", total, t);
    return 0;
}
finally
{
    folder.Delete(recursive: true);
}

static async Task<TimeSpan> TimeAsync(Func<Task> action)
{
    var watch = Stopwatch.StartNew();
    await action();
    return watch.Elapsed;
}

static void Report(string what, long bytes, TimeSpan time) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {time.TotalSeconds:0.00} s ({bytes / 1024.0 / 1024 / time.TotalSeconds:0} MiB/s)"));

static async Task<byte[]> HashAsync(Stream stream)
{
    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    var buffer = new byte[1024 * 1024];
    int read;
    while ((read = await stream.ReadAsync(buffer)) > 0)
    {
        sha.AppendData(buffer, 0, read);
    }

    return sha.GetHashAndReset();
}

static void Check(byte[] expected, byte[] actual, string key)
{
    if (!expected.AsSpan().SequenceEqual(actual))
    {
        throw new InvalidOperationException($"{key} came back different from what was sent");
    }
}
