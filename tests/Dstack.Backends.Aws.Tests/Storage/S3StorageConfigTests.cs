using Dstack.Backends.Aws.Storage;
using Dstack.Core.Storage;

namespace Dstack.Backends.Aws.Tests.Storage;

public sealed class S3StorageConfigTests
{
    [S3Fact]
    public async Task PutAsync_BucketThatDoesNotExist_SaysWhatToCheck()
    {
        await using var server = await S3rver.StartAsync();

        using var client = S3Storage.CreateClient(new S3StorageOptions { Bucket = "x", Endpoint = server.Endpoint }, new Amazon.Runtime.BasicAWSCredentials(S3rver.AccessKey, S3rver.SecretKey));
        using var sut = new S3Storage(client, new S3StorageOptions { Bucket = "no-such-bucket", Prefix = "p", Endpoint = server.Endpoint }, ownsClient: false, TimeProvider.System);

        var e = await Assert.ThrowsAsync<StorageUnavailableException>(() => sut.PutAsync("a", new MemoryStream([1])));
        var list = await Assert.ThrowsAsync<StorageUnavailableException>(() => sut.ListAsync("runs/"));
        var read = await Assert.ThrowsAsync<StorageUnavailableException>(() => sut.OpenReadAsync("a"));

        Assert.Equal("s3://no-such-bucket/p", e.Location);
        Assert.Contains("NoSuchBucket", e.Message, StringComparison.Ordinal);
        Assert.Contains("storage.bucket", e.Message, StringComparison.Ordinal);
        Assert.Contains("NoSuchBucket", list.Message, StringComparison.Ordinal);
        Assert.Contains("NoSuchBucket", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_PartSizeBelowS3sMinimum_AreRefused()
    {
        var options = new S3StorageOptions { Bucket = "b", Region = "us-east-1", PartSize = 1024 };

        Assert.Throws<ArgumentOutOfRangeException>(() => new S3Storage(options));
    }

    [Fact]
    public void Location_NamesBucketAndPrefix()
    {
        Assert.Equal("s3://b/team/dstack", new S3StorageOptions { Bucket = "b", Prefix = "/team/dstack/" }.Location);
        Assert.Equal("s3://b", new S3StorageOptions { Bucket = "b" }.Location);
    }
}
