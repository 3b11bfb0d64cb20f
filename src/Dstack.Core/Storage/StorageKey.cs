namespace Dstack.Core.Storage;

/// <summary>The rules every <see cref="IStorage"/> applies to keys, so that a key valid in one storage is valid in all.</summary>
public static class StorageKey
{
    /// <summary>Checks a key: slash-separated, relative, with no empty, <c>.</c> or <c>..</c> segment.</summary>
    /// <param name="key">The key or prefix.</param>
    /// <param name="isPrefix">True for a prefix, which may be empty, end with '/' or end in the middle of a name.</param>
    /// <exception cref="ArgumentException">The key could name something outside the storage.</exception>
    public static void Validate(string key, bool isPrefix)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!isPrefix && key.Length == 0)
        {
            throw new ArgumentException("A storage key must not be empty.", nameof(key));
        }

        if (key.StartsWith('/') || key.Contains('\\', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The storage key '{key}' must be relative and use '/' as separator.", nameof(key));
        }

        var segments = key.Split('/');

        // A prefix may end with '/' (a folder) or in the middle of a name, so its last segment may be empty.
        var checkedSegments = isPrefix ? segments[..^1] : segments;
        if (checkedSegments.Any(s => s.Length == 0 || s == "." || s == "..") || segments[^1] is "." or "..")
        {
            throw new ArgumentException($"The storage key '{key}' has an empty, '.' or '..' segment.", nameof(key));
        }

        if (!isPrefix && key.EndsWith('/'))
        {
            throw new ArgumentException($"The storage key '{key}' names a folder, not an object.", nameof(key));
        }
    }
}
