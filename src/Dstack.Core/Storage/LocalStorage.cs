namespace Dstack.Core.Storage;

/// <summary>
/// Storage in a local folder: each key is a file under <see cref="Root"/>. A write goes to a temporary file in the
/// same folder and is then renamed over the target, so readers see the old object or the new one, never a part.
/// </summary>
/// <remarks>
/// Writes are not flushed to disk (no fsync), like <c>cp</c> and like the embedded Temporal server's database
/// (write-ahead log with synchronous=NORMAL): everything written survives the kill of any process, but a power cut or
/// kernel crash can lose the objects written in the last half minute or leave them empty or cut short. Such a file is
/// never taken for a good one: artifacts and checkpoints are checked against the size and hash in their index (which
/// is written after its files) when downloaded, and a cut-short index, manifest or tag fails to parse.
/// </remarks>
public sealed class LocalStorage : IFileStorage
{
    /// <summary>Temporary files start with this, so that listings skip the writes in progress.</summary>
    private const string TempPrefix = ".dstack-tmp-";

    /// <summary>Creates the storage over <paramref name="root"/>, creating the folder.</summary>
    public LocalStorage(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>Gets the absolute folder that holds the objects.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public string Location => Root;

    /// <inheritdoc />
    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var temp = TempFileFor(key, out var path);
        try
        {
            using (var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write))
            {
                await FileChunkWriter.WriteAsync(content, file, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <inheritdoc />
    public void PutFile(string key, string source)
    {
        var temp = TempFileFor(key, out var path);
        try
        {
            // File.Copy copies in the kernel (a reflink where the file system has them), and gives the copy the source's
            // times: the object is new, so it gets the time it was stored, as PutAsync's objects do.
            File.Copy(source, temp);
            File.SetLastWriteTimeUtc(temp, DateTime.UtcNow);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <inheritdoc />
    public string? FileOf(string key)
    {
        var path = PathOf(key);
        return File.Exists(path) ? path : null;
    }

    /// <inheritdoc />
    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, useAsync: true);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(key)));

    /// <inheritdoc />
    public Task<IReadOnlyList<StorageObject>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<StorageObject> objects = Enumerate(prefix)
            .Select(file => new StorageObject(KeyOf(file.FullName), file.Length, file.LastWriteTimeUtc))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(objects);
    }

    /// <inheritdoc />
    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var files = Enumerate(prefix).ToList();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            file.Delete();
        }

        foreach (var folder in files.Select(f => f.DirectoryName!).Distinct(StringComparer.Ordinal))
        {
            RemoveEmptyFolders(folder);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        File.Delete(path);
        RemoveEmptyFolders(Path.GetDirectoryName(path)!); // a key has a parent under Root
        return Task.CompletedTask;
    }

    /// <summary>Checks a key (see <see cref="StorageKey.Validate"/>).</summary>
    /// <exception cref="ArgumentException">The key could name a file outside the storage folder.</exception>
    internal static void ValidateKey(string key, bool isPrefix) => StorageKey.Validate(key, isPrefix);

    /// <summary>A new temporary file's path beside the object at <paramref name="key"/> (<paramref name="path"/>), its folder created.</summary>
    private string TempFileFor(string key, out string path)
    {
        path = PathOf(key);
        var folder = Path.GetDirectoryName(path)!; // a key has at least one segment under Root, so there is a parent
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, TempPrefix + Guid.NewGuid().ToString("N"));
    }

    private string PathOf(string key)
    {
        ValidateKey(key, isPrefix: false);
        return Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    private string KeyOf(string path) => Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/');

    private IEnumerable<FileInfo> Enumerate(string prefix)
    {
        ValidateKey(prefix, isPrefix: true);

        // Only the folder named by the prefix up to its last '/' can hold matching keys.
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? Root : Path.Combine(Root, prefix[..slash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return new DirectoryInfo(folder)
            .EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => !f.Name.StartsWith(TempPrefix, StringComparison.Ordinal))
            .Where(f => KeyOf(f.FullName).StartsWith(prefix, StringComparison.Ordinal));
    }

    private void RemoveEmptyFolders(string folder)
    {
        var current = folder;
        while (current.Length > Root.Length && current.StartsWith(Root, StringComparison.Ordinal)
            && Directory.Exists(current) && !Directory.EnumerateFileSystemEntries(current).Any())
        {
            Directory.Delete(current);
            current = Path.GetDirectoryName(current)!; // under Root, so never a file system root
        }
    }
}
