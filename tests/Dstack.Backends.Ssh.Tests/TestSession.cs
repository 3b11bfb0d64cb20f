using Dstack.Core.Jobs;

namespace Dstack.Backends.Ssh.Tests;

/// <summary>A test's own DSTACK_HOME (so host keys are pinned afresh), options with short timeouts, and a pool over them.</summary>
public sealed class TestSession : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("dstack-ssh-home-");

    public TestSession(NetworkHosts hosts, string? identityFile = null)
    {
        Options = new SshBackendOptions(_home.FullName, [.. hosts.Hosts.Select(h => hosts.Settings(h, identityFile))])
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            OperationTimeout = TimeSpan.FromSeconds(2),
            ConnectAttempts = 2,
        };
        KnownHosts = new KnownHosts(Options.KnownHostsFile);
        Pool = new SshConnectionPool(Options, KnownHosts);
    }

    public string Home => _home.FullName;

    internal SshBackendOptions Options { get; }

    internal KnownHosts KnownHosts { get; }

    internal SshConnectionPool Pool { get; }

    internal SshHost Host(int index) => SshHost.From(Options.Hosts[index], Options);

    internal Task<SshShell> ShellAsync(int index) => SshShell.OpenAsync(Pool, Host(index));

    /// <summary>Prepares a job whose code is one README and whose script is <paramref name="script"/>.</summary>
    public async Task<JobRunner> PrepareJobAsync(Core.Instances.IInstanceShell shell, string run, string script)
    {
        var code = Directory.CreateDirectory(Path.Combine(Home, "code-" + run)).FullName;
        await File.WriteAllTextAsync(Path.Combine(code, "README.md"), "hello\n");
        var archive = Path.Combine(Home, run + ".tar.gz");
        await Programs.RunAsync("tar", "-czf", archive, "-C", code, ".");
        var runner = new JobRunner(shell, run, "main");
        await using var stream = File.OpenRead(archive);
        await runner.PrepareAsync(stream, script);
        return runner;
    }

    public void Dispose()
    {
        Pool.Dispose();
        _home.Delete(recursive: true);
    }
}
