namespace Dstack.Core.Storage;

/// <summary>
/// Storage whose objects are files on this machine (<see cref="LocalStorage"/>), so that a file goes in and out as a
/// copy made by the kernel, which never brings the bytes into this process; the caller hashes them meanwhile.
/// </summary>
public interface IFileStorage : IStorage
{
    /// <summary>
    /// Stores a copy of the file <paramref name="source"/> at <paramref name="key"/>, as atomically as
    /// <see cref="IStorage.PutAsync"/>.
    /// </summary>
    void PutFile(string key, string source);

    /// <summary>
    /// Gets the file that holds the object at <paramref name="key"/>, or null when there is none. An object is replaced by
    /// renaming a new file over it, never rewritten in place, so an open file keeps its content.
    /// </summary>
    string? FileOf(string key);
}
