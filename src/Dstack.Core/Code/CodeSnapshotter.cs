using System.Security.Cryptography;
using Dstack.Core.Archives;
using Dstack.Core.Runs;
using Dstack.Core.Storage;

namespace Dstack.Core.Code;

/// <summary>
/// Snapshots the code of a run into a deterministic .tar.gz. Inside Git it takes tracked files plus untracked files that
/// are not ignored, and records remote, branch, commit and dirtiness; outside Git it takes the folder, honouring
/// <c>.gitignore</c> and <c>.dstackignore</c>, and the run is not pinned to a commit.
/// </summary>
public sealed class CodeSnapshotter
{
    private static readonly string[] IgnoreFiles = [".gitignore", ".dstackignore"];

    private readonly string _gitExecutable;

    /// <summary>Creates a snapshotter that runs <paramref name="gitExecutable"/> (found on PATH by default).</summary>
    public CodeSnapshotter(string gitExecutable = "git")
    {
        ArgumentException.ThrowIfNullOrEmpty(gitExecutable);
        _gitExecutable = gitExecutable;
    }

    /// <summary>Snapshots <paramref name="directory"/> into a temporary archive; the caller disposes the snapshot.</summary>
    /// <exception cref="CodeSnapshotException">The folder does not exist or Git fails.</exception>
    public async Task<CodeSnapshot> CreateAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new CodeSnapshotException($"The folder '{root}' does not exist.");
        }

        var git = new GitCli(_gitExecutable, root);
        var (insideExit, insideOutput, _) = await git.RunAsync(["rev-parse", "--show-toplevel"], cancellationToken).ConfigureAwait(false);
        var (repo, files) = insideExit == 0
            ? await ReadGitAsync(git, root, insideOutput.Trim(), cancellationToken).ConfigureAwait(false)
            : (new RepoInfo(Path.GetFileName(root), null, null, null, Dirty: false), ListFolder(root));

        var archive = Path.Combine(Path.GetTempPath(), $"dstack-code-{Guid.NewGuid():N}.tar.gz");
        try
        {
            int count;
            var stream = new FileStream(archive, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                count = await DeterministicArchive.WriteAsync(root, files, stream, cancellationToken).ConfigureAwait(false);
            }

            var hash = await HashFileAsync(archive, cancellationToken).ConfigureAwait(false);
            return new CodeSnapshot(repo, hash, new FileInfo(archive).Length, archive, count);
        }
        catch
        {
            File.Delete(archive);
            throw;
        }
    }

    /// <summary>Uploads the snapshot to <c>code/&lt;hash&gt;.tar.gz</c> unless that key exists (content addressing).</summary>
    /// <returns>True when it was uploaded, false when storage had it already.</returns>
    public static async Task<bool> UploadAsync(IStorage storage, CodeSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(snapshot);
        var key = StorageLayout.Code(snapshot.Hash);
        if (await storage.ExistsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var stream = new FileStream(snapshot.ArchivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            await storage.PutAsync(key, stream, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static async Task<(RepoInfo Repo, IReadOnlyList<string> Files)> ReadGitAsync(
        GitCli git, string root, string topLevel, CancellationToken cancellationToken)
    {
        // The five reads are independent; run together they cost one git start-up instead of five.
        // ls-files lists paths relative to the folder it runs in, which is what the archive needs even in a subfolder.
        var listingTask = git.OutputAsync(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], cancellationToken);
        var remoteTask = git.RunAsync(["remote", "get-url", "origin"], cancellationToken);
        var branchTask = git.RunAsync(["rev-parse", "--abbrev-ref", "HEAD"], cancellationToken);
        var commitTask = git.RunAsync(["rev-parse", "--verify", "--quiet", "HEAD"], cancellationToken);
        var statusTask = git.OutputAsync(["--no-optional-locks", "status", "--porcelain"], cancellationToken);
        await Task.WhenAll(listingTask, remoteTask, branchTask, commitTask, statusTask).ConfigureAwait(false);

        var files = (await listingTask.ConfigureAwait(false)).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => IsFileOrLink(Path.Combine(root, f))) // deleted but still tracked files are gone from the tree
            .ToList();

        var (remoteExit, remote, _) = await remoteTask.ConfigureAwait(false);
        var remoteUrl = remoteExit == 0 && remote.Trim().Length > 0 ? remote.Trim() : null;

        // Both fail in a repository with no commit yet: the run is then not pinned to a commit.
        var (branchExit, branch, _) = await branchTask.ConfigureAwait(false);
        var branchName = branchExit == 0 && branch.Trim() is { Length: > 0 } b && b != "HEAD" ? b : null;
        var (commitExit, commit, _) = await commitTask.ConfigureAwait(false);
        var commitId = commitExit == 0 && commit.Trim().Length > 0 ? commit.Trim() : null;

        var status = await statusTask.ConfigureAwait(false);
        var repoId = remoteUrl ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(topLevel));
        return (new RepoInfo(repoId, remoteUrl, branchName, commitId, Dirty: status.Trim().Length > 0), files);
    }

    private static bool IsFileOrLink(string path)
    {
        var info = new FileInfo(path);
        return info.Exists || info.LinkTarget is not null;
    }

    private static List<string> ListFolder(string root)
    {
        var rules = IgnoreRules.Load(IgnoreFiles.Select(f => Path.Combine(root, f)));
        var files = new List<string>();
        var pending = new Stack<string>();
        pending.Push(string.Empty);
        while (pending.TryPop(out var relativeFolder))
        {
            var folder = relativeFolder.Length == 0 ? root : Path.Combine(root, relativeFolder);
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                var relative = relativeFolder.Length == 0 ? entry.Name : $"{relativeFolder}/{entry.Name}";

                // Links to folders are archived as links, never followed: they could lead anywhere.
                var isDirectory = entry is DirectoryInfo && entry.LinkTarget is null;
                if (entry.Name == ".git" || rules.IsIgnored(relative, isDirectory))
                {
                    continue;
                }

                if (isDirectory)
                {
                    pending.Push(relative);
                }
                else
                {
                    files.Add(relative);
                }
            }
        }

        return files;
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return Convert.ToHexStringLower(hash);
        }
    }
}
