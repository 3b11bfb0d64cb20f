using Dstack.Core.Configuration;
using Dstack.Core.Settings;

namespace Dstack.Core.Tests.Settings;

public sealed class StorageSettingsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private SettingsLoader Loader() =>
        new(name => name switch { "HOME" => _dir.Path, "DSTACK_HOME" => _dir.Combine("home"), _ => null });

    [Fact]
    public void Load_S3Storage_ReadsBucketPrefixRegionAndEndpoint()
    {
        _dir.Write("home/config.yml", """
            storage:
              type: s3
              bucket: my-bucket.dstack
              prefix: team/dstack
              region: eu-west-1
              endpoint: http://127.0.0.1:4569
            """);

        var storage = Loader().Load().Storage;

        Assert.Equal((StorageType.S3, "my-bucket.dstack", "team/dstack", "eu-west-1", "http://127.0.0.1:4569"), (storage.Type, storage.Bucket, storage.Prefix, storage.Region, storage.Endpoint));
    }

    [Fact]
    public void Load_S3StorageWithoutBucket_ReportsTheMissingKey()
    {
        var file = _dir.Write("home/config.yml", "storage:\n  type: s3\n  region: us-east-1\n");

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        var error = Assert.Single(e.Errors);
        Assert.Equal((file, 2, "storage.bucket"), (error.File, error.Line, error.Path));
        Assert.Contains("expected a bucket name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadS3Values_ReportsEachWithItsLine()
    {
        _dir.Write("home/config.yml", """
            storage:
              type: s3
              bucket: My_Bucket
              prefix: a/../b
              region: Frankfurt
              endpoint: 127.0.0.1:4569
            """);

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.Collection(
            e.Errors,
            x => Assert.Equal((3, "storage.bucket"), (x.Line, x.Path)),
            x => Assert.Equal((6, "storage.endpoint"), (x.Line, x.Path)),
            x => Assert.Equal((5, "storage.region"), (x.Line, x.Path)),
            x => Assert.Equal((4, "storage.prefix"), (x.Line, x.Path)));
        Assert.Contains("found 'My_Bucket'", e.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("http://", e.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_S3KeysOnLocalStorage_AreReported()
    {
        _dir.Write("home/config.yml", "storage:\n  type: local\n  bucket: b1\n");

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        var error = Assert.Single(e.Errors);
        Assert.Equal((3, "storage.bucket"), (error.Line, error.Path));
        Assert.Contains("set storage.type to s3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StorageBucketVariable_SelectsS3WithTheOtherVariables()
    {
        _dir.Write("home/config.yml", "storage:\n  type: local\n");
        var variables = new Dictionary<string, string>
        {
            ["HOME"] = _dir.Path,
            ["DSTACK_HOME"] = _dir.Combine("home"),
            ["DSTACK_STORAGE_BUCKET"] = "ci-bucket",
            ["DSTACK_STORAGE_PREFIX"] = "ci",
            ["DSTACK_STORAGE_ENDPOINT"] = "http://127.0.0.1:4569",
        };

        var storage = new SettingsLoader(variables.GetValueOrDefault).Load().Storage;

        Assert.Equal((StorageType.S3, "ci-bucket", "ci", null, "http://127.0.0.1:4569"), (storage.Type, storage.Bucket, storage.Prefix, storage.Region, storage.Endpoint));
    }

    [Fact]
    public void Load_BadStorageVariable_NamesTheVariable()
    {
        var variables = new Dictionary<string, string>
        {
            ["HOME"] = _dir.Path,
            ["DSTACK_HOME"] = _dir.Combine("home"),
            ["DSTACK_STORAGE_BUCKET"] = "Bad_Bucket",
        };

        var e = Assert.Throws<ConfigurationException>(() => new SettingsLoader(variables.GetValueOrDefault).Load());

        Assert.Contains("environment variable DSTACK_STORAGE_BUCKET: expected an S3 bucket name", e.Message, StringComparison.Ordinal);
    }
}
