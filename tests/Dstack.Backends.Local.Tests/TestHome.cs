using Dstack.Core.Archives;
using Dstack.Core.Configuration;
using Dstack.Core.Environments;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;

namespace Dstack.Backends.Local.Tests;

/// <summary>A temporary DSTACK_HOME with a local shell, and ways to prepare jobs in it.</summary>
public sealed class TestHome
{
    public TestHome()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dstack-home-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
        Shell = new LocalShell(LocalShell.DirectoryFor(Path));
    }

    public string Path { get; }

    public LocalShell Shell { get; }

    public static RunSpec Spec(string run, params string[] commands) => new()
    {
        RunName = run,
        WorkflowName = "test",
        Provider = WorkflowProvider.Bash,
        Repo = new RepoInfo("repo", null, null, null, false),
        CodeHash = "none",
        Commands = commands,
        User = "test",
        SubmittedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>Packs <paramref name="files"/> (path → content) the way code snapshots are packed.</summary>
    public async Task<MemoryStream> CodeArchiveAsync(IReadOnlyDictionary<string, string> files)
    {
        var folder = System.IO.Path.Combine(Path, "src-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var (name, content) in files)
        {
            var file = System.IO.Path.Combine(folder, name);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, content);
        }

        Directory.CreateDirectory(folder);
        var archive = new MemoryStream();
        await DeterministicArchive.WriteAsync(folder, files.Keys, archive);
        archive.Position = 0;
        return archive;
    }

    /// <summary>Prepares the job of <paramref name="spec"/> with a small code tree.</summary>
    public async Task<JobRunner> PrepareAsync(RunSpec spec, IReadOnlyDictionary<string, string>? files = null, Dstack.Core.Instances.IInstanceShell? shell = null, int attempt = 1)
    {
        var runner = new JobRunner(shell ?? Shell, spec.RunName, "main", attempt);
        var script = new JobScriptBuilder(Shell.DstackDirectory).Build(spec, runner.CodeDirectory, attempt);
        using var code = await CodeArchiveAsync(files ?? new Dictionary<string, string> { ["README.md"] = "hello\n" });
        await runner.PrepareAsync(code, script);
        return runner;
    }

    public static Task<int> ExitCodeAsync(JobRunner runner, int seconds = 60) =>
        Eventually.ValueAsync(() => runner.GetExitCodeAsync(), TimeSpan.FromSeconds(seconds), $"the exit code of {runner.Run}");

    public async Task<string> LogAsync(JobRunner runner) => await File.ReadAllTextAsync(runner.LogPath);

    public async Task CleanupAsync()
    {
        // Kill whatever a failed test left running before removing its folder.
        foreach (var pid in Directory.EnumerateFiles(Shell.DstackDirectory, "job.pid", SearchOption.AllDirectories))
        {
            await Shell.RunAsync($"kill -KILL -- -{(await File.ReadAllTextAsync(pid)).Trim()} 2>/dev/null || true");
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
