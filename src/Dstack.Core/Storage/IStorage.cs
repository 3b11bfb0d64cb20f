namespace Dstack.Core.Storage;

/// <summary>
/// Bulk data that must outlive Temporal's retention (code snapshots, logs, artifacts, manifests, tags), as
/// objects under slash-separated keys: a local folder or an S3 bucket. Writes of one key are atomic.
/// </summary>
public interface IStorage
{
    /// <summary>Gets a description for messages, e.g. <c>/home/me/.dstack/storage</c> or <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>Writes (or replaces) the object at <paramref name="key"/>; readers never see a partial object.</summary>
    Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Opens the object for reading, or returns null when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>True when the object exists.</summary>
    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Lists the objects whose keys start with <paramref name="prefix"/>, ordered by key (ordinal).</summary>
    Task<IReadOnlyList<StorageObject>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes every object whose key starts with <paramref name="prefix"/>.</summary>
    Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the one object at <paramref name="key"/> (nothing when it does not exist); objects whose keys merely start
    /// with <paramref name="key"/> stay.
    /// </summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}
