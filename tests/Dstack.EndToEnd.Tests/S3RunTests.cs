using System.Security.Cryptography;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>`dstack run` with <c>storage: type: s3</c> against a real s3rver: code, logs, artifacts and manifests live in the bucket.</summary>
public sealed class S3RunTests
{
    private const string Prefix = "e2e/dstack";

    private const string Workflows = """
        workflows:
          - name: hello
            provider: bash
            commands:
              - echo "Hello from S3"
              - mkdir -p output/deep
              - echo "hello artifact" > output/hello.txt
              - head -c 3000000 /dev/urandom > output/deep/random.bin
              - sha256sum output/deep/random.bin
            artifacts:
              - path: ./output
          - name: consume
            provider: bash
            deps:
              - workflow: hello
            commands:
              - sha256sum output/deep/random.bin
        """;

    [S3Fact]
    public async Task Run_WithS3Storage_KeepsCodeLogsArtifactsAndManifestInTheBucket()
    {
        await using var s3 = await S3rver.StartAsync("dstack-e2e");
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        await File.WriteAllTextAsync(Path.Combine(sandbox.Home, "config.yml"), $"""
            storage:
              type: s3
              bucket: {s3.Bucket}
              prefix: {Prefix}
              region: us-east-1
              endpoint: {s3.Endpoint}
            """);

        // Credentials reach dstack only the AWS SDK's way: the environment here.
        sandbox.Environment["AWS_ACCESS_KEY_ID"] = S3rver.AccessKey;
        sandbox.Environment["AWS_SECRET_ACCESS_KEY"] = S3rver.SecretKey;
        sandbox.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        await sandbox.StartDstackServerAsync();

        var run = await sandbox.DstackAsync("run", "hello");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Hello from S3", run.Stdout, StringComparison.Ordinal);
        var name = RunName(run.Stdout);

        var logs = await sandbox.DstackAsync("logs", name);
        Assert.True(logs.ExitCode == 0, logs.Output);
        Assert.Contains("Hello from S3", logs.Stdout, StringComparison.Ordinal);

        var download = Path.Combine(sandbox.Home, "download");
        var artifacts = await sandbox.DstackAsync("artifacts", "download", name, "-o", download);
        Assert.True(artifacts.ExitCode == 0, artifacts.Output);
        Assert.Equal("hello artifact\n", await File.ReadAllTextAsync(Path.Combine(download, "output", "hello.txt")));
        var random = await File.ReadAllBytesAsync(Path.Combine(download, "output", "deep", "random.bin"));
        Assert.Equal(3000000, random.Length);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(random)) + "  output/deep/random.bin", run.Stdout, StringComparison.Ordinal);

        // A dependency's artifacts reach the job folder with S3 storage too (the code comes by presigned URL there).
        var consume = await sandbox.DstackAsync("run", "consume");
        Assert.True(consume.ExitCode == 0, consume.Output);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(random)) + "  output/deep/random.bin", consume.Stdout, StringComparison.Ordinal);

        var ps = await sandbox.DstackAsync("ps", "-a", "--json");
        Assert.True(ps.ExitCode == 0, ps.Output);
        using (var json = JsonDocument.Parse(ps.Stdout))
        {
            var row = json.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);
            Assert.Equal("done", row.GetProperty("status").GetString()?.ToLowerInvariant());
        }

        // Seen from outside dstack: every object is in the bucket under the prefix, and nothing went to local storage.
        using var client = new AmazonS3Client(
            new BasicAWSCredentials(S3rver.AccessKey, S3rver.SecretKey),
            new AmazonS3Config { ServiceURL = s3.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = Prefix + "/" });
        var keys = listing.S3Objects.Select(o => o.Key[(Prefix.Length + 1)..]).ToList();
        Assert.Single(keys, k => k.StartsWith("code/", StringComparison.Ordinal) && k.EndsWith(".tar.gz", StringComparison.Ordinal));
        Assert.Contains($"runs/{name}/manifest.json", keys);
        Assert.Contains(keys, k => k.StartsWith($"runs/{name}/logs/main/", StringComparison.Ordinal));
        Assert.Contains($"runs/{name}/artifacts/main/index.json", keys);
        Assert.Contains($"runs/{name}/artifacts/main/files/output/hello.txt", keys);
        Assert.Equal(3000000, listing.S3Objects.Single(o => o.Key == $"{Prefix}/runs/{name}/artifacts/main/files/output/deep/random.bin").Size);
        Assert.False(Directory.Exists(Path.Combine(sandbox.Home, "storage")));

        Assert.False(Directory.Exists(Path.Combine(sandbox.Home, "instance", "jobs", name)));
    }
}
