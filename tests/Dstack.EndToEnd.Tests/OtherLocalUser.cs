using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// Another real Linux user on this machine, made with <c>useradd</c> for one test, with its own home, its own copy of the
/// built <c>dstack</c> (the test's bin folder is root's) and its own dstack folder; commands run as it through
/// <c>runuser</c> with a clean environment. On dispose its processes are killed, the user is removed with its home
/// (<c>userdel -r</c>) and the temp folder is deleted, whatever the test did.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OtherLocalUser : IAsyncDisposable
{
    private const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly DirectoryInfo _root;
    private bool _created;

    private OtherLocalUser(DirectoryInfo root, string name)
    {
        _root = root;
        Name = name;
        Home = Path.Combine(root.FullName, "home");
        Cli = Path.Combine(root.FullName, "cli");
    }

    /// <summary>Gets the user's name, <c>dstack-e2e-</c> and random hex (<c>.ci/leaks</c> looks for users so named).</summary>
    public string Name { get; }

    /// <summary>Gets the user's home; its dstack folder is <c>.dstack</c> in it, its repository <c>repo</c>.</summary>
    public string Home { get; }

    /// <summary>Gets the folder of the user's copy of the built CLI.</summary>
    public string Cli { get; }

    public string DstackHome => Path.Combine(Home, ".dstack");

    public string Repo => Path.Combine(Home, "repo");

    /// <summary>Gets extra environment for every command run as the user (e.g. DSTACK_TEMPORAL_ADDRESS).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>Gets why no user can be made here, or null when one can: root, useradd, userdel and runuser are needed.</summary>
    public static string? Unavailable() =>
        !System.Environment.IsPrivilegedProcess ? "making another Linux user needs root"
        : new[] { "/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/sbin/runuser" }.FirstOrDefault(tool => !File.Exists(tool)) is { } missing ? $"{missing} is missing (apt-get install passwd util-linux)"
        : null;

    public static async Task<OtherLocalUser> CreateAsync()
    {
        // A temp folder that the user may enter: the CLI copy and the user's home are in it.
        var root = Directory.CreateTempSubdirectory("dstack-other-user-");
        File.SetUnixFileMode(root.FullName, WorldReadable);
        var user = new OtherLocalUser(root, $"dstack-e2e-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}");
        try
        {
            await user.CreateUserAsync();
            user.CopyCli();
            return user;
        }
        catch
        {
            await user.DisposeAsync();
            throw;
        }
    }

    /// <summary>Makes the user's Git repository with <paramref name="workflowsYaml"/>, as the user.</summary>
    public async Task InitRepoAsync(string workflowsYaml)
    {
        Directory.CreateDirectory(Path.Combine(Repo, ".dstack"));
        await File.WriteAllTextAsync(Path.Combine(Repo, ".dstack", "workflows.yaml"), workflowsYaml);
        var chown = await RootAsync("chown", "-R", $"{Name}:{Name}", Repo);
        Assert.True(chown.ExitCode == 0, chown.Output);
        foreach (var git in new[] { new[] { "init", "-q", "-b", "main" }, ["add", "-A"], ["-c", "user.email=other@dstack", "-c", "user.name=other", "commit", "-q", "-m", "init"] })
        {
            var done = await RunAsync("/usr/bin/git", git);
            Assert.True(done.ExitCode == 0, $"git {string.Join(' ', git)} as {Name}: {done.Output}");
        }
    }

    /// <summary>Writes a file that the user may read (and not write), outside its home; returns its path.</summary>
    public string WriteReadableFile(string name, byte[] content)
    {
        var path = Path.Combine(_root.FullName, "shared", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    /// <summary>Runs the user's copy of <c>dstack</c> as the user, in its repository.</summary>
    public Task<ProcessResult> DstackAsync(params string[] args) => RunAsync(Path.Combine(Cli, "dstack"), args);

    /// <summary>Runs a program as the user, with a clean environment (no root's variables), in its repository.</summary>
    public async Task<ProcessResult> RunAsync(string file, IReadOnlyList<string> args, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("/usr/sbin/runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Directory.Exists(Repo) ? Repo : Home,
            StandardOutputEncoding = Encoding.UTF8,
        };
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = Home,
            ["USER"] = Name,
            ["LOGNAME"] = Name,
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["TMPDIR"] = Path.Combine(Home, "tmp"),
            ["DOTNET_ROOT"] = DotnetRoot(),
            ["DSTACK_HOME"] = DstackHome,
            ["NO_COLOR"] = "1",
        };
        foreach (var (key, value) in Environment)
        {
            environment[key] = value;
        }

        foreach (var arg in (string[])["-u", Name, "--", "/usr/bin/env", "-i", .. environment.Select(e => $"{e.Key}={e.Value}"), file, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start runuser");
        process.StandardInput.Close();
        return await ProcessResult.CollectAsync(process, $"{file} {string.Join(' ', args)} as {Name}", timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (_created)
        {
            // Whatever the user still runs (a server or worker the test failed to stop) goes first: userdel refuses a
            // user with processes.
            await Eventually.TrueAsync(
                async () =>
                {
                    await RootAsync("pkill", "-KILL", "-u", Name);
                    return (await RootAsync("pgrep", "-u", Name)).ExitCode == 1;
                },
                TimeSpan.FromSeconds(30),
                $"the processes of {Name} to end");
            await RootAsync("userdel", "-r", Name);
            var left = await RootAsync("id", "-u", Name);
            Assert.True(left.ExitCode != 0, $"user {Name} is still there after userdel: {left.Output}");
        }

        _root.Delete(recursive: true);
    }

    private static string DotnetRoot() =>

        // The runtime folder is DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/.
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    private static async Task<ProcessResult> RootAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    private async Task CreateUserAsync()
    {
        var made = await RootAsync("useradd", "--create-home", "--home-dir", Home, "--shell", "/bin/bash", "--user-group", Name);
        Assert.True(made.ExitCode == 0, $"useradd {Name}: {made.Output}");
        _created = true;
        var tmp = await RunAsync("/bin/mkdir", [Path.Combine(Home, "tmp")]);
        Assert.True(tmp.ExitCode == 0, tmp.Output);
    }

    /// <summary>
    /// Copies what runs <c>dstack</c> (its assemblies, their deps and runtime config, the apphost, the native libraries of
    /// linux-x64) out of the test's bin folder into a folder every user may read.
    /// </summary>
    private void CopyCli()
    {
        var from = AppContext.BaseDirectory;
        Directory.CreateDirectory(Cli);
        File.SetUnixFileMode(Cli, WorldReadable);
        foreach (var file in Directory.EnumerateFiles(from).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal) || Path.GetFileName(f) == "dstack"))
        {
            File.Copy(file, Path.Combine(Cli, Path.GetFileName(file)));
        }

        var natives = Path.Combine(from, "runtimes", "linux-x64");
        if (Directory.Exists(natives))
        {
            foreach (var file in Directory.EnumerateFiles(natives, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(Cli, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }

            foreach (var folder in Directory.EnumerateDirectories(Path.Combine(Cli, "runtimes"), "*", SearchOption.AllDirectories).Prepend(Path.Combine(Cli, "runtimes")))
            {
                File.SetUnixFileMode(folder, WorldReadable);
            }
        }
    }
}
