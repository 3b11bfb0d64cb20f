using System.Formats.Tar;
using System.IO.Compression;
using Dstack.Core.Code;
using Dstack.Core.Storage;

namespace Dstack.Core.Tests.Code;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CodeSnapshotterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<Dictionary<string, TarEntry>> EntriesAsync(string archive)
    {
        await using var file = File.OpenRead(archive);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        var entries = new Dictionary<string, TarEntry>();
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            entries[entry.Name] = entry;
        }

        return entries;
    }

    private async Task<string> NewRepoAsync()
    {
        var repo = _dir.Combine("my-repo");
        Directory.CreateDirectory(repo);
        await ProcessRunner.GitAsync(repo, "init", "-q");
        File.WriteAllText(Path.Combine(repo, ".gitignore"), "*.log\ndata/\n");
        File.WriteAllText(Path.Combine(repo, "train.py"), "print('hi')\n");
        File.WriteAllText(Path.Combine(repo, "run.sh"), "#!/bin/sh\necho run\n");
        File.SetUnixFileMode(Path.Combine(repo, "run.sh"), (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(repo, "deleted.txt"), "soon gone\n");
        await ProcessRunner.GitAsync(repo, "add", ".");
        await ProcessRunner.GitAsync(repo, "commit", "-q", "-m", "first");
        await ProcessRunner.GitAsync(repo, "remote", "add", "origin", "https://example.com/me/my-repo.git");
        return repo;
    }

    [Fact]
    public async Task CreateAsync_GitRepo_TakesTrackedAndUntrackedNotIgnored()
    {
        var repo = await NewRepoAsync();
        File.WriteAllText(Path.Combine(repo, "notes.md"), "untracked\n");
        File.WriteAllText(Path.Combine(repo, "debug.log"), "ignored\n");
        Directory.CreateDirectory(Path.Combine(repo, "data"));
        File.WriteAllText(Path.Combine(repo, "data", "big.bin"), "ignored\n");
        File.Delete(Path.Combine(repo, "deleted.txt"));

        await using var snapshot = await new CodeSnapshotter().CreateAsync(repo);
        var entries = await EntriesAsync(snapshot.ArchivePath);

        Assert.Equal([".gitignore", "notes.md", "run.sh", "train.py"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.True(entries["run.sh"].Mode.HasFlag(UnixFileMode.UserExecute));
        Assert.False(entries["train.py"].Mode.HasFlag(UnixFileMode.UserExecute));
        Assert.All(entries.Values, e => Assert.Equal(0, e.Uid));
        Assert.Equal("https://example.com/me/my-repo.git", snapshot.Repo.RepoId);
        Assert.Equal("https://example.com/me/my-repo.git", snapshot.Repo.RemoteUrl);
        Assert.Equal("main", snapshot.Repo.Branch);
        Assert.Matches("^[0-9a-f]{40}$", snapshot.Repo.Commit);
        Assert.True(snapshot.Repo.Dirty);
        Assert.Matches("^[0-9a-f]{64}$", snapshot.Hash);
        Assert.Equal(new FileInfo(snapshot.ArchivePath).Length, snapshot.Size);
    }

    [Fact]
    public async Task CreateAsync_CleanRepo_IsNotDirty()
    {
        var repo = await NewRepoAsync();

        await using var snapshot = await new CodeSnapshotter().CreateAsync(repo);

        Assert.False(snapshot.Repo.Dirty);
    }

    [Fact]
    public async Task CreateAsync_TrackedFileChanged_IsDirty()
    {
        var repo = await NewRepoAsync();
        File.AppendAllText(Path.Combine(repo, "train.py"), "# changed\n");

        await using var snapshot = await new CodeSnapshotter().CreateAsync(repo);

        Assert.True(snapshot.Repo.Dirty);
    }

    [Fact]
    public async Task CreateAsync_DetachedHead_HasCommitButNoBranch()
    {
        var repo = await NewRepoAsync();
        await ProcessRunner.GitAsync(repo, "checkout", "-q", "--detach");
        var commit = (await ProcessRunner.GitAsync(repo, "rev-parse", "HEAD")).Trim();

        await using var snapshot = await new CodeSnapshotter().CreateAsync(repo);

        Assert.Equal(commit, snapshot.Repo.Commit);
        Assert.Null(snapshot.Repo.Branch);
        Assert.False(snapshot.Repo.Dirty);
    }

    [Fact]
    public async Task CreateAsync_SameContentTwice_SameHash_EvenAfterTouch()
    {
        var repo = await NewRepoAsync();
        var sut = new CodeSnapshotter();

        await using var first = await sut.CreateAsync(repo);
        File.SetLastWriteTimeUtc(Path.Combine(repo, "train.py"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        await using var second = await sut.CreateAsync(repo);
        File.AppendAllText(Path.Combine(repo, "train.py"), "# changed\n");
        await using var third = await sut.CreateAsync(repo);

        Assert.Equal(first.Hash, second.Hash);
        Assert.NotEqual(first.Hash, third.Hash);
    }

    [Fact]
    public async Task CreateAsync_RepoWithoutCommit_HasNoCommitNorBranch()
    {
        var repo = _dir.Combine("fresh");
        Directory.CreateDirectory(repo);
        await ProcessRunner.GitAsync(repo, "init", "-q");
        File.WriteAllText(Path.Combine(repo, "a.txt"), "a\n");

        await using var snapshot = await new CodeSnapshotter().CreateAsync(repo);

        Assert.Null(snapshot.Repo.Commit);
        Assert.Null(snapshot.Repo.Branch);
        Assert.True(snapshot.Repo.Dirty);
        Assert.Null(snapshot.Repo.RemoteUrl);
        Assert.Equal("fresh", snapshot.Repo.RepoId);
        Assert.Equal(1, snapshot.FileCount);
    }

    [Fact]
    public async Task CreateAsync_OutsideGit_HonoursIgnoreFiles()
    {
        var folder = _dir.Combine("plain");
        _dir.Write("plain/.gitignore", "# comment\n*.pyc\ncache/\n");
        _dir.Write("plain/.dstackignore", "/secret.txt\n");
        _dir.Write("plain/main.py", "x");
        _dir.Write("plain/pkg/mod.pyc", "x");
        _dir.Write("plain/pkg/mod.py", "x");
        _dir.Write("plain/cache/a", "x");
        _dir.Write("plain/pkg/cache/b", "x");
        _dir.Write("plain/secret.txt", "x");
        _dir.Write("plain/pkg/secret.txt", "x");

        await using var snapshot = await new CodeSnapshotter().CreateAsync(folder);
        var entries = await EntriesAsync(snapshot.ArchivePath);

        Assert.Equal([".dstackignore", ".gitignore", "main.py", "pkg/mod.py", "pkg/secret.txt"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Null(snapshot.Repo.Commit);
        Assert.Equal("plain", snapshot.Repo.RepoId);
    }

    [Fact]
    public async Task UploadAsync_SecondTime_SkipsExistingKey()
    {
        var repo = await NewRepoAsync();
        var storage = new LocalStorage(_dir.Combine("storage"));
        await using var snapshot = await new CodeSnapshotter().CreateAsync(repo);

        var first = await CodeSnapshotter.UploadAsync(storage, snapshot);
        var second = await CodeSnapshotter.UploadAsync(storage, snapshot);

        Assert.True(first);
        Assert.False(second);
        Assert.True(await storage.ExistsAsync(StorageLayout.Code(snapshot.Hash)));
    }

    [Fact]
    public async Task Dispose_DeletesArchive()
    {
        var repo = await NewRepoAsync();
        var snapshot = await new CodeSnapshotter().CreateAsync(repo);

        await snapshot.DisposeAsync();

        Assert.False(File.Exists(snapshot.ArchivePath));
    }
}
