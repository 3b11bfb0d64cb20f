using System.Security.Cryptography;
using System.Text.Json;
using Dstack.Core.Storage;

namespace Dstack.Core.Artifacts;

/// <summary>Uploads a job's artifact folders to storage with a hashed file list, and downloads them back verified.</summary>
public sealed class ArtifactStore(IStorage storage)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Uploads every file under <paramref name="root"/> that lies in one of <paramref name="paths"/>.</summary>
    public async Task<ArtifactIndex> UploadAsync(string run, string job, string root, IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        var files = new List<ArtifactFile>();
        var rootFull = Path.GetFullPath(root);
        foreach (var file in Directory.Exists(rootFull) ? Directory.EnumerateFiles(rootFull, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
        {
            var relative = Path.GetRelativePath(rootFull, file).Replace('\\', '/');
            await using var stream = File.OpenRead(file);
            var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            stream.Position = 0;
            await storage.PutAsync(StorageLayout.Artifact(run, job, relative), stream, cancellationToken);
            files.Add(new ArtifactFile(relative, stream.Length, hash));
        }

        var index = new ArtifactIndex(paths, files);
        await WriteIndexAsync(run, job, index, cancellationToken);
        return index;
    }

    /// <summary>Writes the file list of a job whose files are already in storage (uploaded by the instance itself).</summary>
    public async Task WriteIndexAsync(string run, string job, ArtifactIndex index, CancellationToken cancellationToken = default)
    {
        await using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(index, Json));
        await storage.PutAsync(StorageLayout.ArtifactIndex(run, job), json, cancellationToken);
    }

    /// <summary>Reads the file list of a job, or null when nothing was uploaded.</summary>
    public async Task<ArtifactIndex?> ReadIndexAsync(string run, string job, CancellationToken cancellationToken = default)
    {
        await using var stream = await storage.OpenReadAsync(StorageLayout.ArtifactIndex(run, job), cancellationToken);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<ArtifactIndex>(stream, Json, cancellationToken);
    }

    /// <summary>
    /// Downloads the files into <paramref name="target"/>, verifying each size and sha256; a file whose path would
    /// land outside the target is refused. <paramref name="progress"/> receives the bytes written so far.
    /// </summary>
    public async Task<ArtifactIndex> DownloadAsync(string run, string job, string target, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var index = await ReadIndexAsync(run, job, cancellationToken) ?? ArtifactIndex.Empty;
        var targetFull = Path.GetFullPath(target);
        long done = 0;
        foreach (var file in index.Files)
        {
            var destination = Path.GetFullPath(Path.Combine(targetFull, file.Path));
            if (!destination.StartsWith(targetFull + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new ArtifactIntegrityException($"artifact '{file.Path}' of run {run} points outside the download folder; refusing it.");
            }

            await using var source = await storage.OpenReadAsync(StorageLayout.Artifact(run, job, file.Path), cancellationToken)
                ?? throw new ArtifactIntegrityException($"artifact '{file.Path}' of run {run} is missing from storage.");
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            var partial = destination + ".dstack-partial";
            using (var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                await using (var output = File.Create(partial))
                {
                    var buffer = new byte[81920];
                    int read;
                    while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        hasher.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                        done += read;
                        progress?.Report(done);
                    }

                }

                var written = new FileInfo(partial).Length;
                if (written != file.Size)
                {
                    File.Delete(partial);
                    throw Tampered(run, file, $"{written} bytes instead of {file.Size}");
                }

                var hash = Convert.ToHexStringLower(hasher.GetHashAndReset());
                if (hash != file.Sha256)
                {
                    File.Delete(partial);
                    throw Tampered(run, file, $"sha256 {hash} instead of {file.Sha256}");
                }
            }

            File.Move(partial, destination, overwrite: true);
        }

        return index;
    }

    private static ArtifactIntegrityException Tampered(string run, ArtifactFile file, string detail) =>
        new($"artifact '{file.Path}' of run {run} does not match what was uploaded ({detail}); the stored copy was changed or damaged.");
}
