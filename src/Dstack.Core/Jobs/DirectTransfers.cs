using Dstack.Core.Artifacts;
using Dstack.Core.Storage;

namespace Dstack.Core.Jobs;

/// <summary>
/// Moves a job's code and artifacts between the instance and storage directly, through presigned URLs: the worker hands
/// out one URL per object and checks the result, so storage credentials never reach the instance and the bytes never
/// pass through the worker.
/// </summary>
public static class DirectTransfers
{
    /// <summary>How long a URL handed to the instance stays valid: long enough for a big transfer, short enough to be useless later.</summary>
    public static readonly TimeSpan UrlValidity = TimeSpan.FromHours(1);

    /// <summary>Prepares the job with the instance downloading the code snapshot at <paramref name="codeKey"/> itself.</summary>
    /// <returns>True when it prepared the job now, false when it was prepared already.</returns>
    public static async Task<bool> PrepareAsync(JobRunner job, IPresigningStorage storage, string codeKey, string jobScript, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(storage);
        var url = await storage.GetDownloadUrlAsync(codeKey, UrlValidity, cancellationToken).ConfigureAwait(false);
        return await job.PrepareFromUrlAsync(url, jobScript, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Has the instance hash its artifact files and upload each to its key, then checks that storage holds every file at
    /// its size and writes the file list (sizes and sha256, which downloads verify).
    /// </summary>
    /// <exception cref="StorageException">A file did not arrive whole.</exception>
    public static async Task<ArtifactIndex> UploadArtifactsAsync(
        JobRunner job, IPresigningStorage storage, IReadOnlyList<string> paths, string? workingDir, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(storage);
        var files = await job.ListArtifactFilesAsync(paths, workingDir, cancellationToken).ConfigureAwait(false);
        var uploads = new List<(string Path, Uri Url)>(files.Count);
        foreach (var file in files)
        {
            var key = StorageLayout.Artifact(job.Run, job.Job, file.Path);
            uploads.Add((file.Path, await storage.GetUploadUrlAsync(key, UrlValidity, cancellationToken).ConfigureAwait(false)));
        }

        await job.UploadFilesAsync(uploads, workingDir, cancellationToken).ConfigureAwait(false);

        var stored = (await storage.ListAsync(StorageLayout.ArtifactPrefix(job.Run, job.Job), cancellationToken).ConfigureAwait(false))
            .ToDictionary(o => o.Key, o => o.Size, StringComparer.Ordinal);
        foreach (var file in files)
        {
            var key = StorageLayout.Artifact(job.Run, job.Job, file.Path);
            if (!stored.TryGetValue(key, out var size) || size != file.Size)
            {
                throw new StorageException(key, $"artifact '{file.Path}' of run {job.Run} did not arrive whole in {storage.Location}: {(stored.ContainsKey(key) ? $"{size} bytes instead of {file.Size}" : "missing")}.");
            }
        }

        var index = new ArtifactIndex(paths, files);
        await new ArtifactStore(storage).WriteIndexAsync(job.Run, job.Job, index, cancellationToken).ConfigureAwait(false);
        return index;
    }
}
