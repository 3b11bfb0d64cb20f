using Dstack.Backends.Aws.Storage;
using Dstack.Core.Settings;
using Dstack.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Dstack.Composition;

/// <summary>
/// Picks the storage the user configured (<c>storage:</c> in the user config): a local folder or an S3 bucket. Lives in
/// the composition root so that Core and Workflows know only <see cref="IStorage"/>, never the AWS SDK.
/// </summary>
public static class DstackStorageServices
{
    /// <summary>Creates the configured storage; S3 credentials come from the AWS SDK's default chain.</summary>
    public static IStorage CreateStorage(StorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Type switch
        {
            StorageType.S3 => new S3Storage(new S3StorageOptions
            {
                Bucket = settings.Bucket ?? throw new ArgumentException("storage of type s3 needs a bucket; the settings loader rejects a config without one", nameof(settings)),
                Prefix = settings.Prefix,
                Region = settings.Region,
                Endpoint = settings.Endpoint is { } endpoint ? new Uri(endpoint) : null,
            }),
            _ => new LocalStorage(settings.Path),
        };
    }

    /// <summary>Registers the configured storage as the one <see cref="IStorage"/> (disposed with the container).</summary>
    public static IServiceCollection AddDstackStorage(this IServiceCollection services, StorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return services.AddSingleton(_ => CreateStorage(settings));
    }
}
