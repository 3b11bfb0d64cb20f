using Dstack.Core.Runs;

namespace Dstack.Core.Code;

/// <summary>A code snapshot on this machine: a temporary .tar.gz that disposing deletes.</summary>
/// <param name="Repo">Where the code came from.</param>
/// <param name="Hash">The BLAKE3 of the archive (lower-case hex), its key in storage.</param>
/// <param name="Size">The archive's size in bytes.</param>
/// <param name="ArchivePath">The temporary archive.</param>
/// <param name="FileCount">How many files (and links) it holds.</param>
public sealed record CodeSnapshot(RepoInfo Repo, string Hash, long Size, string ArchivePath, int FileCount) : IDisposable, IAsyncDisposable
{
    /// <summary>Deletes the temporary archive.</summary>
    public void Dispose() => File.Delete(ArchivePath);

    /// <summary>Deletes the temporary archive.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
