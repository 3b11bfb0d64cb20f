using System.Text.Json;
using Dstack.Core.Storage;

namespace Dstack.Core.Artifacts;

/// <summary>Uploads a job's artifact folders to storage with a hashed file list, and downloads them back verified.</summary>
public sealed class ArtifactStore(IStorage storage)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Files are stored and fetched a few at a time: storage latency (S3) and hashing overlap.</summary>
    private static readonly int Parallelism = Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>Uploads every file under <paramref name="root"/> and records <paramref name="paths"/> as the declared artifact paths.</summary>
    public Task<ArtifactIndex> UploadAsync(string run, string job, string root, IReadOnlyList<string> paths, CancellationToken cancellationToken = default) =>
        UploadFilesAsync(run, job, root, ListFiles(root, ["."]), paths, cancellationToken);

    /// <summary>
    /// Uploads the files that lie in <paramref name="paths"/> (files or folders relative to <paramref name="root"/>) and
    /// records the paths as the artifact paths.
    /// </summary>
    /// <exception cref="ArgumentException">A path is absolute or leaves <paramref name="root"/>.</exception>
    public Task<ArtifactIndex> UploadPathsAsync(string run, string job, string root, IReadOnlyList<string> paths, CancellationToken cancellationToken = default) =>
        UploadFilesAsync(run, job, root, ListFiles(root, paths), paths, cancellationToken);

    /// <summary>Writes the file list of a job whose files are already in storage (uploaded by the instance itself).</summary>
    public async Task WriteIndexAsync(string run, string job, ArtifactIndex index, CancellationToken cancellationToken = default)
    {
        await using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(index, Json));
        await storage.PutAsync(StorageLayout.ArtifactIndex(run, job), json, cancellationToken);
    }

    /// <summary>Reads the file list of a job, or null when nothing was uploaded.</summary>
    public async Task<ArtifactIndex?> ReadIndexAsync(string run, string job, CancellationToken cancellationToken = default)
    {
        var key = StorageLayout.ArtifactIndex(run, job);
        await using var stream = await storage.OpenReadAsync(key, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<ArtifactIndex>(stream, Json, cancellationToken)
                ?? throw new JsonException("it holds null");
        }
        catch (JsonException e)
        {
            // Cut short (a crash while it was written) or edited by hand: the files are there, but not which ones nor their hashes.
            throw new StorageException(key, $"The artifact list '{key}' in {storage.Location} is damaged ({e.Message}); the artifacts of {run} cannot be "
                + $"listed or verified. Run the workflow again, and remove this run with `dstack rm {run}`.", e);
        }
    }

    /// <summary>
    /// Downloads the files into <paramref name="target"/>, verifying each size and hash; a file whose path would
    /// land outside the target is refused. <paramref name="progress"/> receives the bytes written so far.
    /// </summary>
    public async Task<ArtifactIndex> DownloadAsync(string run, string job, string target, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var index = await ReadIndexAsync(run, job, cancellationToken) ?? ArtifactIndex.Empty;
        await DownloadFilesAsync(run, job, index.Files, target, progress, cancellationToken);
        return index;
    }

    /// <summary>
    /// Compares the files of <paramref name="index"/> with what <paramref name="target"/> holds, without writing anything:
    /// a file there with the recorded size and hash needs no download, any other file (or folder, or link) in its place differs.
    /// </summary>
    /// <exception cref="ArtifactIntegrityException">A file's path would land outside the target.</exception>
    public static async Task<ArtifactDownloadPlan> PlanDownloadAsync(string run, ArtifactIndex index, string target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        var targetFull = Path.GetFullPath(target);
        var states = new FileState[index.Files.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, index.Files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            (i, token) =>
            {
                states[i] = Compare(Destination(targetFull, index.Files[i], $"run {run}"), index.Files[i], token);
                return ValueTask.CompletedTask;
            });
        IReadOnlyList<ArtifactFile> With(FileState state) => [.. index.Files.Where((_, i) => states[i] == state)];
        return new ArtifactDownloadPlan(With(FileState.Missing), With(FileState.Same), With(FileState.Different));
    }

    /// <summary>
    /// Downloads <paramref name="files"/> of a job into <paramref name="target"/>, verifying each size and hash, as
    /// <see cref="DownloadAsync"/> does for all of them.
    /// </summary>
    public async Task DownloadFilesAsync(string run, string job, IReadOnlyList<ArtifactFile> files, string target, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var targetFull = Path.GetFullPath(target);
        long done = 0;
        await Parallel.ForEachAsync(
            files,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (file, token) =>
            {
                var key = StorageLayout.Artifact(run, job, file.Path);
                void Report(long read) => progress?.Report(Interlocked.Add(ref done, read));
                if (storage is IFileStorage local && local.FileOf(key) is { } stored
                    && await TryCopyVerifiedFileAsync(stored, targetFull, file, $"run {run}", token))
                {
                    Report(file.Size);
                    return;
                }

                await using var source = await storage.OpenReadAsync(key, token)
                    ?? throw new ArtifactIntegrityException($"artifact '{file.Path}' of run {run} is missing from storage ({storage.Location}).");
                await CopyVerifiedAsync(source, targetFull, file, $"run {run}", read => Report(read), token);
            });
    }

    /// <summary>
    /// Writes <paramref name="source"/> to <paramref name="file"/>'s path under <paramref name="targetFull"/> through a
    /// temporary file, and keeps it only when its size and hash match the record.
    /// </summary>
    /// <exception cref="ArtifactIntegrityException">The path leaves the target, or the content does not match.</exception>
    internal static async Task CopyVerifiedAsync(Stream source, string targetFull, ArtifactFile file, string owner, Action<int>? onRead, CancellationToken cancellationToken)
    {
        var destination = Destination(targetFull, file, owner);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!); // under targetFull, so it has a parent
        var partial = destination + ".dstack-partial";
        long written;
        ContentHash hash;
        var hashing = new HashingReadStream(source, onRead, file.Hash.Algorithm);
        await using (hashing.ConfigureAwait(false))
        {
            // One read feeds both the hash and the write: what is kept is exactly what was checked.
            using (var output = File.OpenHandle(partial, FileMode.Create, FileAccess.Write))
            {
                written = await FileChunkWriter.WriteAsync(hashing, output, cancellationToken).ConfigureAwait(false);
            }

            hash = await hashing.HashAsync().ConfigureAwait(false);
        }

        Keep(partial, destination, file, owner, written, hash);
    }

    /// <summary>
    /// Like <see cref="CopyVerifiedAsync"/> for an object that is a file on this machine: the kernel copies it while
    /// this thread hashes it, so the bytes never pass through this process twice. Returns false, having written
    /// nothing, when the stored file was replaced meanwhile (a new upload of the same key); then read it as a stream.
    /// </summary>
    /// <exception cref="ArtifactIntegrityException">The path leaves the target, or the content does not match.</exception>
    private static async Task<bool> TryCopyVerifiedFileAsync(string stored, string targetFull, ArtifactFile file, string owner, CancellationToken cancellationToken)
    {
        var destination = Destination(targetFull, file, owner);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!); // under targetFull, so it has a parent
        var partial = destination + ".dstack-partial";
        (ContentHash Hash, long Size)? copied;
        try
        {
            copied = await CopyWhileHashingAsync(stored, FileStamp.Of(stored), file.Hash.Algorithm, () => File.Copy(stored, partial, overwrite: true), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            File.Delete(partial); // a disk that filled up or a cancelled download leaves no partial file
            throw;
        }

        if (copied is not { } verified)
        {
            File.Delete(partial);
            return false;
        }

        Keep(partial, destination, file, owner, new FileInfo(partial).Length, verified.Hash);
        return true;
    }

    /// <summary>
    /// Renames <paramref name="partial"/> to <paramref name="destination"/> with the file's mode and time when its
    /// size and hash are the recorded ones; deletes it otherwise.
    /// </summary>
    /// <exception cref="ArtifactIntegrityException">The content does not match.</exception>
    private static void Keep(string partial, string destination, ArtifactFile file, string owner, long written, ContentHash hash)
    {
        string? problem = null;
        if (written != file.Size)
        {
            problem = $"{written} bytes instead of {file.Size}";
        }
        else if (hash != file.Hash)
        {
            problem = $"{hash} instead of {file.Hash.Hex}";
        }

        if (problem is not null)
        {
            File.Delete(partial);
            throw new ArtifactIntegrityException($"artifact '{file.Path}' of {owner} does not match what was uploaded ({problem}); the stored copy was changed or damaged.");
        }

        if (file.Executable && !OperatingSystem.IsWindows())
        {
            // Environments carried as artifacts (a venv, a conda prefix) need their binaries to stay runnable.
            File.SetUnixFileMode(partial, File.GetUnixFileMode(partial) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        if (file.ModifiedAt is { } modified)
        {
            // The job's time, not the download's: make-style checks and "newest checkpoint" logic compare them.
            File.SetLastWriteTimeUtc(partial, modified.UtcDateTime);
        }

        File.Move(partial, destination, overwrite: true);
    }

    /// <summary>Where <paramref name="file"/> goes under <paramref name="targetFull"/>.</summary>
    /// <exception cref="ArtifactIntegrityException">The path leaves the target.</exception>
    private static string Destination(string targetFull, ArtifactFile file, string owner)
    {
        var destination = Path.GetFullPath(Path.Combine(targetFull, file.Path));
        if (!destination.StartsWith(Path.TrimEndingDirectorySeparator(targetFull) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArtifactIntegrityException($"artifact '{file.Path}' of {owner} points outside the download folder; refusing it.");
        }

        return destination;
    }

    private static FileState Compare(string destination, ArtifactFile file, CancellationToken cancellationToken)
    {
        var info = new FileInfo(destination);
        if (info.LinkTarget is not null || Directory.Exists(destination))
        {
            return FileState.Different; // a link is never read through: it could lead anywhere
        }

        if (!info.Exists)
        {
            return FileState.Missing;
        }

        if (info.Length != file.Size)
        {
            return FileState.Different; // no need to read it
        }

        return ContentHasher.HashFile(destination, file.Hash.Algorithm, cancellationToken).Hash == file.Hash ? FileState.Same : FileState.Different;
    }

    /// <summary>Lists the regular files in <paramref name="paths"/> under <paramref name="root"/>, relative and slash-separated.</summary>
    internal static IReadOnlyList<string> ListFiles(string root, IReadOnlyList<string> paths)
    {
        var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(Path.Combine(rootFull, path));
            if (Path.IsPathRooted(path) || (full != rootFull && !full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                throw new ArgumentException($"The artifact path '{path}' must be relative and stay inside {rootFull}.", nameof(paths));
            }

            if (File.Exists(full))
            {
                files.Add(Path.GetRelativePath(rootFull, full).Replace('\\', '/'));
            }
            else if (Directory.Exists(full))
            {
                foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
                {
                    files.Add(Path.GetRelativePath(rootFull, file).Replace('\\', '/'));
                }
            }
        }

        return [.. files];
    }

    private async Task<ArtifactIndex> UploadFilesAsync(string run, string job, string root, IReadOnlyList<string> relativeFiles, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var rootFull = Path.GetFullPath(root);
        var files = new ArtifactFile[relativeFiles.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, relativeFiles.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var relative = relativeFiles[i];
                var path = Path.Combine(rootFull, relative);
                var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
                var stamp = FileStamp.Of(path);
                var key = StorageLayout.Artifact(run, job, relative);

                // Into local storage the kernel copies the file while this thread hashes it, so one large file moves at
                // nearly the speed of cp; a file that changed meanwhile is stored again by one read that feeds both.
                var copied = storage is IFileStorage local
                    ? await CopyWhileHashingAsync(path, stamp, ContentHashAlgorithm.Blake3, () => local.PutFile(key, path), token)
                    : null;
                var (hash, size) = copied ?? await StoreStreamAsync(key, path, token);
                files[i] = ArtifactFile.Hashed(relative, size, hash, executable, new DateTimeOffset(stamp.LastWriteTimeUtc));
            });

        var index = new ArtifactIndex(paths, files);
        await WriteIndexAsync(run, job, index, cancellationToken);
        return index;
    }

    /// <summary>
    /// Runs <paramref name="copy"/>, a copy of <paramref name="file"/> made by the kernel, while another thread hashes
    /// the file, and returns the hash and the length hashed; null when the file's length or time moved from
    /// <paramref name="before"/>, as the copy and the hash may then have read different bytes.
    /// </summary>
    private static async Task<(ContentHash Hash, long Size)?> CopyWhileHashingAsync(
        string file, FileStamp before, ContentHashAlgorithm algorithm, Action copy, CancellationToken cancellationToken)
    {
        var hashing = Task.Run(() => ContentHasher.HashFile(file, algorithm, cancellationToken), cancellationToken);
        try
        {
            copy();
        }
        finally
        {
            await ((Task)hashing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // never leave it reading a file being deleted
        }

        var (hash, size) = await hashing.ConfigureAwait(false);
        return FileStamp.Of(file) == before && size == before.Length ? (hash, size) : null;
    }

    /// <summary>Stores the file through one read that feeds both the hash and the write (any storage).</summary>
    private async Task<(ContentHash Hash, long Size)> StoreStreamAsync(string key, string path, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var hashing = new HashingReadStream(file);
        await using (hashing.ConfigureAwait(false))
        {
            await storage.PutAsync(key, hashing, cancellationToken).ConfigureAwait(false);
            return (await hashing.HashAsync().ConfigureAwait(false), hashing.BytesRead);
        }
    }

    private enum FileState
    {
        Missing,
        Same,
        Different,
    }
}
