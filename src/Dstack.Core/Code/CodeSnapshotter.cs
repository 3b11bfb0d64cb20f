using Dstack.Core.Archives;
using Dstack.Core.Artifacts;
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

        var (repo, files) = await ReadGitAsync(new GitCli(_gitExecutable, root), root, cancellationToken).ConfigureAwait(false)
            ?? (new RepoInfo(Path.GetFileName(root), null, null, null, Dirty: false), ListFolder(root));

        var archive = Path.Combine(Path.GetTempPath(), $"dstack-code-{Guid.NewGuid():N}.tar.gz");
        try
        {
            int count;
            var stream = new FileStream(archive, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                count = await DeterministicArchive.WriteAsync(root, files, stream, cancellationToken).ConfigureAwait(false);
            }

            // BLAKE3 names the archive in storage (snapshots before BLAKE3 keep their sha256 keys).
            var hash = ContentHasher.HashFile(archive, ContentHashAlgorithm.Blake3, cancellationToken).Hash.Hex;
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

    /// <summary>
    /// Reads the <see cref="RepoInfo.RepoId"/> a run started from <paramref name="directory"/> would record, without
    /// packing anything: <c>dstack ps</c> lists the runs of the current repository by it.
    /// </summary>
    /// <exception cref="CodeSnapshotException">The folder does not exist or Git cannot be run.</exception>
    public async Task<string> ReadRepoIdAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new CodeSnapshotException($"The folder '{root}' does not exist.");
        }

        var git = new GitCli(_gitExecutable, root);
        var topLevelTask = git.RunAsync(["rev-parse", "--show-toplevel"], cancellationToken);
        var remoteTask = git.RunAsync(["remote", "get-url", "origin"], cancellationToken);
        await Task.WhenAll(topLevelTask, remoteTask).ConfigureAwait(false);
        var (topLevelExit, topLevel, _) = await topLevelTask.ConfigureAwait(false);
        return topLevelExit != 0
            ? Path.GetFileName(root)
            : RepoId(RemoteUrl(await remoteTask.ConfigureAwait(false)), topLevel);
    }

    /// <summary>The origin's URL from <c>git remote get-url origin</c>, or null when there is none.</summary>
    private static string? RemoteUrl((int ExitCode, string Output, string Error) remote) =>
        remote.ExitCode == 0 && remote.Output.Trim().Length > 0 ? remote.Output.Trim() : null;

    /// <summary>A repository's stable name: its origin's URL, else its top folder's name.</summary>
    private static string RepoId(string? remoteUrl, string topLevel) =>
        remoteUrl ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(topLevel.Trim()));

    /// <summary>Reads the repository around <paramref name="root"/>, or returns null when it is not in one.</summary>
    private static async Task<(RepoInfo Repo, IReadOnlyList<string> Files)?> ReadGitAsync(GitCli git, string root, CancellationToken cancellationToken)
    {
        // The four reads are independent and run together: one git start-up's wait instead of four. Outside a
        // repository they all fail, and the top-level check says so.
        // ls-files lists paths relative to the folder it runs in, which is what the archive needs even in a subfolder.
        var topLevelTask = git.RunAsync(["rev-parse", "--show-toplevel"], cancellationToken);
        var listingTask = git.RunAsync(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], cancellationToken);
        var remoteTask = git.RunAsync(["remote", "get-url", "origin"], cancellationToken);
        var statusTask = git.RunAsync(["--no-optional-locks", "status", "--porcelain=v2", "--branch", "-z"], cancellationToken);
        await Task.WhenAll(topLevelTask, listingTask, remoteTask, statusTask).ConfigureAwait(false);

        var (topLevelExit, topLevel, _) = await topLevelTask.ConfigureAwait(false);
        if (topLevelExit != 0)
        {
            return null;
        }

        var files = GitCli.Checked(await listingTask.ConfigureAwait(false), "ls-files", root)
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => IsFileOrLink(Path.Combine(root, f))) // deleted but still tracked files are gone from the tree
            .ToList();

        var remoteUrl = RemoteUrl(await remoteTask.ConfigureAwait(false));

        // Porcelain v2 with --branch: "# branch.oid <commit>|(initial)" and "# branch.head <name>|(detached)" headers,
        // then one record per changed or untracked path. Without a commit the run is not pinned to one, nor to a branch.
        var records = GitCli.Checked(await statusTask.ConfigureAwait(false), "status", root).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var commit = Header(records, "# branch.oid ") is { } oid && oid != "(initial)" ? oid : null;
        var branch = commit is not null && Header(records, "# branch.head ") is { } head && head != "(detached)" ? head : null;
        var dirty = records.Any(r => !r.StartsWith("# ", StringComparison.Ordinal));
        return (new RepoInfo(RepoId(remoteUrl, topLevel), remoteUrl, branch, commit, dirty), files);
    }

    private static string? Header(IEnumerable<string> records, string prefix) =>
        records.FirstOrDefault(r => r.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];

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
}
