using System.Globalization;
using System.Text;
using System.Text.Json;
using Dstack.Core.Archives;
using Dstack.Core.Artifacts;
using Dstack.Core.Instances;
using Dstack.Core.Storage;

namespace Dstack.Core.Jobs;

/// <summary>
/// Syncs a job's <c>mount: true</c> artifact paths to storage while it runs, incrementally: each pass lists the files
/// with size and modification time on the instance, fetches only those that changed since the last pass (one archive),
/// and removes the deleted ones. The synced state is the run's checkpoint, which <see cref="RestoreAsync"/> puts back
/// into the job folder of a next attempt.
/// </summary>
public sealed class MountSync
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IInstanceShell _shell;
    private readonly IStorage _storage;
    private readonly JobRunner _job;
    private readonly IReadOnlyList<string> _paths;
    private readonly string? _workingDir;
    private Dictionary<string, CheckpointFile>? _synced;

    /// <summary>Creates the sync of <paramref name="paths"/> (relative to <paramref name="workingDir"/>) of <paramref name="job"/>.</summary>
    public MountSync(IInstanceShell shell, IStorage storage, JobRunner job, IReadOnlyList<string> paths, string? workingDir)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(paths);
        _shell = shell;
        _storage = storage;
        _job = job;
        _paths = [.. paths.Select(Normalize)];
        _workingDir = workingDir;
    }

    /// <summary>Gets the files in the checkpoint after the last pass.</summary>
    public IReadOnlyCollection<CheckpointFile> Synced => (IReadOnlyCollection<CheckpointFile>?)_synced?.Values ?? [];

    /// <summary>Runs one pass; returns the number of files uploaded or removed.</summary>
    /// <exception cref="JobException">Listing or packing the files on the instance failed.</exception>
    public async Task<int> SyncAsync(CancellationToken cancellationToken = default)
    {
        _synced ??= (await ReadIndexAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(f => f.Path, StringComparer.Ordinal);
        var listed = await ListAsync(cancellationToken).ConfigureAwait(false);
        var changed = listed.Values.Where(f => !_synced.TryGetValue(f.Path, out var known) || known.Size != f.Size || known.ModifiedAt != f.ModifiedAt).ToList();
        var deleted = _synced.Keys.Where(p => !listed.ContainsKey(p)).ToList();
        if (changed.Count == 0 && deleted.Count == 0)
        {
            return 0;
        }

        if (changed.Count > 0)
        {
            await FetchAsync(changed, cancellationToken).ConfigureAwait(false);
        }

        foreach (var path in deleted)
        {
            await _storage.DeleteAsync(StorageLayout.CheckpointFile(_job.Run, _job.Job, path), cancellationToken).ConfigureAwait(false);
            _synced.Remove(path);
        }

        await WriteIndexAsync(cancellationToken).ConfigureAwait(false);
        return changed.Count + deleted.Count;
    }

    /// <summary>
    /// Puts the run's checkpoint (if any) into the job's working directory, verifying every file's sha256, so that a
    /// next attempt continues from what the last one synced.
    /// </summary>
    /// <returns>The number of files restored.</returns>
    /// <exception cref="ArtifactIntegrityException">A stored file does not match its recorded hash.</exception>
    public async Task<int> RestoreAsync(CancellationToken cancellationToken = default)
    {
        var files = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        if (files.Count == 0)
        {
            return 0;
        }

        var temp = Directory.CreateTempSubdirectory("dstack-restore-");
        try
        {
            var root = Path.Combine(temp.FullName, "files");
            Directory.CreateDirectory(root);
            foreach (var file in files)
            {
                var source = await _storage.OpenReadAsync(StorageLayout.CheckpointFile(_job.Run, _job.Job, file.Path), cancellationToken).ConfigureAwait(false)
                    ?? throw new ArtifactIntegrityException($"the checkpoint file '{file.Path}' of run {_job.Run} is missing from storage ({_storage.Location}).");
                await using (source.ConfigureAwait(false))
                {
                    await ArtifactStore.CopyVerifiedAsync(source, root, file.ToArtifactFile(), $"the checkpoint of run {_job.Run}", null, cancellationToken).ConfigureAwait(false);
                }
            }

            var archive = new FileStream(Path.Combine(temp.FullName, "restore.tar.gz"), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
            await using (archive.ConfigureAwait(false))
            {
                // The restored checkpoint keeps the times the last attempt wrote its files (to the second).
                await DeterministicArchive.WriteAsync(root, files.Select(f => f.Path), archive, keepModificationTimes: true, cancellationToken).ConfigureAwait(false);
                archive.Position = 0;
                await _job.UnpackAsync(archive, _workingDir, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }

        // The restored copies' times are whole seconds now: take them as synced, so the next pass does not upload them again.
        var listed = await ListAsync(cancellationToken).ConfigureAwait(false);
        _synced = files.ToDictionary(
            f => f.Path,
            f => listed.TryGetValue(f.Path, out var now) && now.Size == f.Size ? f with { ModifiedAt = now.ModifiedAt } : f,
            StringComparer.Ordinal);
        await WriteIndexAsync(cancellationToken).ConfigureAwait(false);
        return files.Count;
    }

    private static string Normalize(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToList();
        if (path.StartsWith('/') || segments.Contains(".."))
        {
            throw new ArgumentException($"The artifact path '{path}' must be relative and stay inside the working directory.", nameof(path));
        }

        return segments.Count == 0 ? "." : string.Join('/', segments);
    }

    /// <summary>Lists the regular files of the mount paths on the instance: size, modification time, path (NUL-separated).</summary>
    private async Task<Dictionary<string, CheckpointFile>> ListAsync(CancellationToken cancellationToken)
    {
        var script = new StringBuilder("set -u\n");
        script.Append(CultureInfo.InvariantCulture, $"cd {ShellQuoting.Quote(_job.WorkingDirectory(_workingDir))} 2>/dev/null || exit 0\n");
        foreach (var path in _paths)
        {
            var quoted = ShellQuoting.Quote("./" + path);
            script.Append(CultureInfo.InvariantCulture, $"if [ -e {quoted} ]; then find {quoted} -type f -printf '%s %T@ %p\\0'; fi\n");
        }

        var result = await _shell.RunAsync(script.ToString(), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new JobException($"Failed listing the mounted artifacts of run {_job.Run} (job {_job.Job}): exit code {result.ExitCode}. {result.Stderr.Trim()}");
        }

        var files = new Dictionary<string, CheckpointFile>(StringComparer.Ordinal);
        foreach (var record in result.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var first = record.IndexOf(' ', StringComparison.Ordinal);
            var second = first < 0 ? -1 : record.IndexOf(' ', first + 1);
            if (second < 0 || !long.TryParse(record[..first], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                continue;
            }

            var path = record[(second + 1)..];
            path = path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path;
            files[path] = new CheckpointFile(path, size, null, record[(first + 1)..second]);
        }

        return files;
    }

    /// <summary>Packs the changed files on the instance, downloads the archive, and stores each file with its hash.</summary>
    private async Task FetchAsync(List<CheckpointFile> changed, CancellationToken cancellationToken)
    {
        var list = _job.JobDirectory + "/mount-sync.list";
        var archive = _job.JobDirectory + "/mount-sync.tar.gz";
        var names = new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(changed.Select(f => "./" + f.Path + "\0"))), writable: false);
        await using (names.ConfigureAwait(false))
        {
            await _shell.UploadAsync(names, list, cancellationToken).ConfigureAwait(false);
        }

        // A file deleted between the listing and tar is skipped (exit code 1); the next pass sees it gone.
        var pack = await _shell.RunAsync(
            $"""
            set -u
            cd {ShellQuoting.Quote(_job.WorkingDirectory(_workingDir))} || exit 2
            tar -cf - --null -T {ShellQuoting.Quote(list)} --ignore-failed-read 2>/dev/null | gzip -1 > {ShellQuoting.Quote(archive + ".tmp")}
            mv -f {ShellQuoting.Quote(archive + ".tmp")} {ShellQuoting.Quote(archive)}
            """,
            cancellationToken).ConfigureAwait(false);
        if (!pack.Succeeded)
        {
            throw new JobException($"Failed packing the mounted artifacts of run {_job.Run} (job {_job.Job}): exit code {pack.ExitCode}. {pack.Stderr.Trim()}");
        }

        var temp = Directory.CreateTempSubdirectory("dstack-mount-");
        try
        {
            var local = Path.Combine(temp.FullName, "sync.tar.gz");
            var file = new FileStream(local, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await _shell.DownloadAsync(archive, file, cancellationToken).ConfigureAwait(false);
            }

            var root = Path.Combine(temp.FullName, "files");
            await SafeExtractor.ExtractFileAsync(local, root, cancellationToken).ConfigureAwait(false);
            var stored = new CheckpointFile?[changed.Count];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, changed.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 2, 8), CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    var path = Path.Combine(root, changed[i].Path);
                    if (!File.Exists(path))
                    {
                        return; // gone before tar reached it
                    }

                    var content = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
                    var hashing = new HashingReadStream(content);
                    await using (hashing.ConfigureAwait(false))
                    {
                        await _storage.PutAsync(StorageLayout.CheckpointFile(_job.Run, _job.Job, changed[i].Path), hashing, token).ConfigureAwait(false);
                        var hash = await hashing.HashAsync();
                        stored[i] = changed[i] with { Size = hashing.BytesRead, Sha256 = hash.Sha256, Blake3 = hash.Blake3 };
                    }
                }).ConfigureAwait(false);
            foreach (var file2 in stored.OfType<CheckpointFile>())
            {
                _synced![file2.Path] = file2; // set by SyncAsync before fetching
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private async Task<IReadOnlyList<CheckpointFile>> ReadIndexAsync(CancellationToken cancellationToken)
    {
        var stream = await _storage.OpenReadAsync(StorageLayout.CheckpointIndex(_job.Run, _job.Job), cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return [];
        }

        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync<List<CheckpointFile>>(stream, Json, cancellationToken).ConfigureAwait(false) ?? [];
        }
    }

    private async Task WriteIndexAsync(CancellationToken cancellationToken)
    {
        var files = _synced!.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList(); // set before any write
        var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(files, Json), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await _storage.PutAsync(StorageLayout.CheckpointIndex(_job.Run, _job.Job), stream, cancellationToken).ConfigureAwait(false);
        }
    }
}
