using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// A user's world in a temp folder: DSTACK_HOME, a Git repository, an embedded Temporal server and workers as
/// real processes. Everything it starts (servers, workers, detached jobs) and every folder it makes is removed on dispose.
/// </summary>
public sealed class DstackSandbox : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("dstack-e2e-");

    public DstackSandbox()
    {
        Home = Directory.CreateDirectory(Path.Combine(_root.FullName, "home")).FullName;
        Repo = Directory.CreateDirectory(Path.Combine(_root.FullName, "repo")).FullName;
        Port = FreePort.Next();
    }

    public string Home { get; }

    public string Repo { get; }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>
    /// Gets or sets a value indicating whether the processes get no DSTACK_TEMPORAL_ADDRESS, so they use the default
    /// address as a user who configured nothing does (shared by every sandbox that does this, as by every user).
    /// </summary>
    public bool DefaultAddress { get; set; }

    /// <summary>Gets extra environment for every process (e.g. PIP_FIND_LINKS for a local wheel folder).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>
    /// Lets every user of the machine enter and read the sandbox's folders, as in a home made with useradd's defaults
    /// (umask 022): then nothing but each file's own mode keeps another user out of the dstack folder.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void OpenToOtherUsers()
    {
        const UnixFileMode Open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        foreach (var folder in new[] { _root.FullName, Home, Repo })
        {
            File.SetUnixFileMode(folder, Open);
        }
    }

    public static string Executable(string name) => Path.Combine(AppContext.BaseDirectory, name);

    public async Task InitRepoAsync(string workflowsYaml, IReadOnlyDictionary<string, string>? files = null)
    {
        Directory.CreateDirectory(Path.Combine(Repo, ".dstack"));
        await File.WriteAllTextAsync(Path.Combine(Repo, ".dstack", "workflows.yaml"), workflowsYaml);
        foreach (var (path, content) in files ?? new Dictionary<string, string>())
        {
            var full = Path.Combine(Repo, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }

        await RunAsync("git", ["init", "-q", "-b", "main"], Repo);
        await RunAsync("git", ["add", "-A"], Repo);
        await RunAsync("git", ["-c", "user.email=e2e@dstack", "-c", "user.name=e2e", "commit", "-q", "-m", "init"], Repo);
    }

    /// <summary>Starts the embedded Temporal server as its own process, with more of its options (TLS, an API key) when given.</summary>
    public async Task<Process> StartTemporalServerAsync(params string[] options)
    {
        var process = Start(Executable("dstack-temporal-server"), ["server", "start-dev", "--port", Port.ToString(CultureInfo.InvariantCulture), "--headless", .. options], redirect: true);
        await ExpectFirstLineAsync(process, Address);
        return process;
    }

    /// <summary>Starts a `dstack worker` process and waits until it polls.</summary>
    public async Task<Process> StartWorkerAsync()
    {
        var process = Start(Executable("dstack"), ["worker"], redirect: true);
        await ExpectFirstLineAsync(process, "dstack worker is polling");
        return process;
    }

    /// <summary>Starts `dstack server` (embedded server and a worker) and waits until it serves.</summary>
    public async Task<Process> StartDstackServerAsync(params string[] options)
    {
        var process = Start(Executable("dstack"), ["server", .. options], redirect: true);
        await ExpectFirstLineAsync(process, "dstack server is running");
        return process;
    }

    /// <summary>
    /// A sandbox that <paramref name="prepare"/> has made ready (config written, repository made, servers started); removed
    /// again when that fails, since the test that asked for it never gets it to dispose.
    /// </summary>
    public static async Task<DstackSandbox> CreateAsync(Func<DstackSandbox, Task> prepare)
    {
        var sandbox = new DstackSandbox();
        try
        {
            await prepare(sandbox);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
    }

    public Task<ProcessResult> DstackAsync(params string[] args) => RunAsync(Executable("dstack"), args, Repo);

    public Process StartDstack(params string[] args) => Start(Executable("dstack"), args, redirect: true, Repo);

    public async Task<ProcessResult> RunAsync(string file, IReadOnlyList<string> args, string workingDirectory, TimeSpan? timeout = null)
    {
        using var process = Start(file, args, redirect: true, workingDirectory, track: false);
        return await ProcessResult.CollectAsync(process, $"{file} {string.Join(' ', args)}", timeout);
    }

    public Process Start(string file, IReadOnlyList<string> args, bool redirect, string? workingDirectory = null, bool track = true)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Repo,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DSTACK_HOME"] = Home;

        // The Temporal connection starts from Temporal's own settings (TEMPORAL_*, ~/.config/temporalio/temporal.toml):
        // the machine's must not reach a sandbox, whose tests set what they need.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("TEMPORAL_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(_root.FullName, "config");
        if (DefaultAddress)
        {
            info.Environment.Remove("DSTACK_TEMPORAL_ADDRESS");
        }
        else
        {
            info.Environment["DSTACK_TEMPORAL_ADDRESS"] = Address;
        }

        info.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        if (track)
        {
            lock (_processes)
            {
                _processes.Add(process);
            }
        }

        return process;
    }

    /// <summary>Fails with everything the process printed when its first line is not the one that says it is ready.</summary>
    private static async Task ExpectFirstLineAsync(Process process, string expected)
    {
        var first = await process.StandardOutput.ReadLineAsync();
        if (first?.Contains(expected, StringComparison.Ordinal) == true)
        {
            return;
        }

        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var rest = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        Assert.Fail($"{process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)} did not print \"{expected}\" first; its output:\n{first}\n{rest}\n{errors}");
    }

    public static void Kill9(Process process)
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        // A server that `dstack run` or `dstack logs -f` started in the background is no child of the test's: the
        // dstack folder records it.
        await KillRecordedServerAsync();

        // Jobs run detached from every dstack process (that is the point); end their process groups too.
        var jobs = Path.Combine(Home, "instance", "jobs");
        if (Directory.Exists(jobs))
        {
            foreach (var pidFile in Directory.EnumerateFiles(jobs, "job.pid", SearchOption.AllDirectories))
            {
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
                {
                    using var kill = Process.Start("kill", ["-KILL", "--", $"-{pid}"]);
                    await kill.WaitForExitAsync();
                }
            }
        }

        _root.Delete(recursive: true);
    }

    private async Task KillRecordedServerAsync()
    {
        var record = Path.Combine(Home, "server.json");
        if (!File.Exists(record))
        {
            return;
        }

        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(record));
        var pid = json.RootElement.GetProperty("pid").GetInt32();
        var commandLine = $"/proc/{pid}/cmdline";
        if (File.Exists(commandLine) && (await File.ReadAllTextAsync(commandLine)).Contains(Executable("dstack"), StringComparison.Ordinal))
        {
            using var server = Process.GetProcessById(pid);
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}
