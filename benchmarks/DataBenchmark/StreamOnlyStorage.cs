using Dstack.Core.Storage;

/// <summary>
/// Local storage seen only as <see cref="IStorage"/>, so artifacts take the path every storage has (S3's): one read in
/// this process feeds both the hash and the write, with no copy in the kernel.
/// </summary>
internal sealed class StreamOnlyStorage(IStorage inner) : IStorage
{
    public string Location => inner.Location;

    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default) => inner.PutAsync(key, content, cancellationToken);

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, cancellationToken);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

    public Task<IReadOnlyList<StorageObject>> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) => inner.DeletePrefixAsync(prefix, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
}
