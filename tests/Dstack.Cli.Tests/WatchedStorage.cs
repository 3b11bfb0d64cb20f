using Dstack.Core.Storage;

namespace Dstack.Cli.Tests;

/// <summary>Storage that counts the listings under a prefix, so a test can tell how often a command has polled.</summary>
internal sealed class WatchedStorage(IStorage inner, string watchedPrefix) : IStorage
{
    private int _listings;

    public int Listings => Volatile.Read(ref _listings);

    public string Location => inner.Location;

    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default) => inner.PutAsync(key, content, cancellationToken);

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, cancellationToken);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

    public Task<IReadOnlyList<StorageObject>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        if (prefix == watchedPrefix)
        {
            Interlocked.Increment(ref _listings);
        }

        return inner.ListAsync(prefix, cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) => inner.DeletePrefixAsync(prefix, cancellationToken);
}
