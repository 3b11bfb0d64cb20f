namespace Dstack.Core.Storage;

/// <summary>
/// Storage that can hand out short-lived URLs for one object, so that an instance moves code and artifacts with plain
/// <c>curl</c>: no storage credentials reach the instance and the worker stays out of the data path. Local folder storage
/// cannot (the instance may not see the folder); callers fall back to moving the bytes themselves.
/// </summary>
public interface IPresigningStorage : IStorage
{
    /// <summary>Gets a URL that reads the object at <paramref name="key"/> with a plain HTTP GET until <paramref name="validFor"/> has passed.</summary>
    Task<Uri> GetDownloadUrlAsync(string key, TimeSpan validFor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets a URL that writes (replaces) the object at <paramref name="key"/> with one plain HTTP PUT of its whole body until
    /// <paramref name="validFor"/> has passed; readers see the old object or the new one, never a part.
    /// </summary>
    Task<Uri> GetUploadUrlAsync(string key, TimeSpan validFor, CancellationToken cancellationToken = default);
}
