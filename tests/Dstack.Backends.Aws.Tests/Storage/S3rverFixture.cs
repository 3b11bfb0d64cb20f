using Amazon.Runtime;
using Amazon.S3;
using Dstack.Backends.Aws.Storage;

namespace Dstack.Backends.Aws.Tests.Storage;

/// <summary>One s3rver for a test class (null where it cannot run); each test takes its own prefix in the bucket.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public S3rver? Server { get; private set; }

    /// <summary>Gets an S3 client that is not dstack's, to look at the bucket from outside.</summary>
    public AmazonS3Client Client => _client ?? throw new InvalidOperationException("s3rver is not running");

    private AmazonS3Client? _client;

    public async Task InitializeAsync()
    {
        if (S3rver.Unavailable() is null)
        {
            Server = await S3rver.StartAsync();
            _client = S3Storage.CreateClient(Options("unused"), new BasicAWSCredentials(S3rver.AccessKey, S3rver.SecretKey));
        }
    }

    public S3StorageOptions Options(string prefix, int partSize = S3StorageOptions.MinPartSize) => new()
    {
        Bucket = Server?.Bucket ?? "dstack-test",
        Prefix = prefix,
        Endpoint = Server?.Endpoint ?? new Uri("http://127.0.0.1:1"),
        PartSize = partSize,
        Concurrency = 4,
    };

    /// <summary>Creates dstack's S3 storage under a fresh prefix.</summary>
    public S3Storage CreateStorage(int partSize = S3StorageOptions.MinPartSize) =>
        new(Client, Options($"t-{Guid.NewGuid():N}"[..14] + "/nested", partSize), ownsClient: false, TimeProvider.System);

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
