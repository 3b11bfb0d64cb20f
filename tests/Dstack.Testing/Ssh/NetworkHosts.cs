using System.Globalization;
using System.Net.Sockets;
using Dstack.Core.Settings;

namespace Dstack.Testing.Ssh;

/// <summary>
/// Three SSH hosts on this machine: each a network namespace joined to this one by a veth pair (10.250.N.0/24, only ever
/// inside namespaces made here), with its own sshd, host key and the fixture's authorized user key. The hosts share the
/// file system, so each gets a dstack folder of its own. Everything is removed on dispose; namespaces left by a test
/// process that died are removed on start.
/// </summary>
public sealed class NetworkHosts : IAsyncLifetime
{
    private const string Prefix = "dstack-test-";
    private const string Sshd = "/usr/sbin/sshd";
    private static readonly string LockFile = Path.Combine(Path.GetTempPath(), "dstack-test-netns.lock");
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("dstack-ssh-hosts-");
    private readonly List<TestHost> _hosts = [];
    private readonly int _initialHosts;
    private readonly HashSet<int> _everUsed = [];

    /// <summary>Three hosts, made on start.</summary>
    public NetworkHosts()
        : this(3)
    {
    }

    private NetworkHosts(int initialHosts) => _initialHosts = initialHosts;

    /// <summary>
    /// Hosts of which <paramref name="initialHosts"/> are made on start; more come and go with <see cref="AddHostAsync"/>.
    /// A factory, not a constructor: xunit wants one public constructor on a fixture.
    /// </summary>
    public static NetworkHosts WithHosts(int initialHosts) => new(initialHosts);

    public IReadOnlyList<TestHost> Hosts
    {
        get
        {
            lock (_hosts)
            {
                return [.. _hosts];
            }
        }
    }

    /// <summary>Gets the private key every host accepts (for root).</summary>
    public string UserKey => Path.Combine(_root.FullName, "user_key");

    /// <summary>Gets a private key no host accepts.</summary>
    public string StrangerKey => Path.Combine(_root.FullName, "stranger_key");

    /// <summary>Why the hosts cannot be made here, or null when they can.</summary>
    public static string? Unavailable() =>
        Environment.UserName != "root" ? "needs root to create network namespaces (CI runs as root)"
        : !File.Exists(Sshd) ? $"needs {Sshd} (apt-get install openssh-server; .ci/run installs it)"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "needs ip (apt-get install iproute2)"
        : !File.Exists("/usr/bin/ssh-keygen") ? "needs /usr/bin/ssh-keygen (apt-get install openssh-client)"
        : null;

    /// <summary>The settings of <paramref name="host"/> as a user writes them in config.yml.</summary>
    public SshHostSettings Settings(TestHost host, string? identityFile = null) =>
        new(host.Address, 22, "root", identityFile ?? UserKey, host.DstackDirectory);

    /// <summary>
    /// Removes pyenv's rehash lock when an earlier, killed session left it behind (a live rehash holds it for well under
    /// a second): the hosts' shells run `pyenv init` from ~/.bashrc, and a stale lock slows every session down.
    /// </summary>
    private static void RemoveStalePyenvLock()
    {
        var root = Environment.GetEnvironmentVariable("PYENV_ROOT") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pyenv");
        var lockFile = new FileInfo(Path.Combine(root, "shims", ".pyenv-shim"));
        if (lockFile.Exists && DateTime.UtcNow - lockFile.LastWriteTimeUtc > TimeSpan.FromMinutes(1))
        {
            lockFile.Delete();
        }
    }

    public async Task InitializeAsync()
    {
        if (Unavailable() is not null)
        {
            return;
        }

        await RemoveStaleAsync();
        RemoveStalePyenvLock();
        await Programs.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", UserKey);
        await Programs.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", StrangerKey);
        Directory.CreateDirectory("/run/sshd");

        // Subnets are picked under a machine-wide lock, so test processes running side by side never share one.
        using (await TakeLockAsync())
        {
            var used = await Programs.RunAsync("ip", "-o", "addr", "show");
            var subnets = Enumerable.Range(1, 250).Where(n => !used.Contains($" 10.250.{n}.", StringComparison.Ordinal)).Take(_initialHosts).ToList();
            foreach (var n in subnets)
            {
                _hosts.Add(await CreateAsync(n));
            }
        }

        foreach (var host in Hosts)
        {
            await StartSshdAsync(host);
        }
    }

    /// <summary>Makes one more host (a machine that a test cloud launched), listening when this returns.</summary>
    public async Task<TestHost> AddHostAsync()
    {
        TestHost host;
        using (await TakeLockAsync())
        {
            var used = await Programs.RunAsync("ip", "-o", "addr", "show");
            // A new host gets an address no earlier host of this set had, as a cloud rarely hands a released address out
            // again at once (a process still talking to the old machine must not reach the new one).
            var free = Enumerable.Range(1, 250).Where(n => !used.Contains($" 10.250.{n}.", StringComparison.Ordinal)).ToList();
            var n = free.FirstOrDefault(n => !_everUsed.Contains(n), free[0]);
            _everUsed.Add(n);
            host = await CreateAsync(n);
            lock (_hosts)
            {
                _hosts.Add(host);
            }
        }

        await StartSshdAsync(host);
        return host;
    }

    /// <summary>Removes a host made by <see cref="AddHostAsync"/>: its processes die, its address goes away, as a terminated machine's would.</summary>
    public async Task RemoveHostAsync(TestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        lock (_hosts)
        {
            if (!_hosts.Remove(host))
            {
                return;
            }
        }

        await RemoveNamespaceAsync(host.Namespace);

        // Its subnet may be picked again, and with it the folder name.
        Directory.Delete(host.Folder, recursive: true);
    }

    /// <summary>
    /// Cuts the host off the network: its own end of the link goes down, so sessions stall and connections time out as on
    /// a real outage. (Downing this side's end instead would drop the route, and packets for 10.250.N.2 would head for the
    /// default gateway.)
    /// </summary>
    public Task CutAsync(TestHost host) => Programs.RunAsync("ip", "netns", "exec", host.Namespace, "ip", "link", "set", host.InnerLink, "down");

    public Task RestoreAsync(TestHost host) => Programs.RunAsync("ip", "netns", "exec", host.Namespace, "ip", "link", "set", host.InnerLink, "up");

    /// <summary>
    /// Kills the host's sshd and every session it serves (as a crashed or restarted sshd drops them), but not the jobs the
    /// sessions started: those run in sessions of their own.
    /// </summary>
    public async Task KillSshdAsync(TestHost host)
    {
        var (_, pids, _) = await Programs.TryAsync("ip", "netns", "pids", host.Namespace);
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (File.Exists($"/proc/{pid}/comm") && (await File.ReadAllTextAsync($"/proc/{pid}/comm")).Trim() == "sshd")
            {
                await Programs.TryAsync("kill", "-KILL", pid);
            }
        }

        File.Delete(host.PidFile);
    }

    /// <summary>Starts the host's sshd again after <see cref="KillSshdAsync"/>.</summary>
    public Task StartSshdAgainAsync(TestHost host) => StartSshdAsync(host);

    /// <summary>Gives the host a new host key and restarts its sshd, as a reinstalled (or impersonated) host would look.</summary>
    public async Task ChangeHostKeyAsync(TestHost host)
    {
        await StopSshdAsync(host);
        File.Delete(host.HostKey);
        File.Delete(host.HostKey + ".pub");
        await Programs.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host.HostKey);
        await StartSshdAsync(host);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in Hosts)
        {
            await RemoveNamespaceAsync(host.Namespace);
        }

        _root.Delete(recursive: true);
    }

    private async Task<TestHost> CreateAsync(int n)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{n}");
        var outer = string.Create(CultureInfo.InvariantCulture, $"dsto{n}");
        var inner = string.Create(CultureInfo.InvariantCulture, $"dsti{n}");
        var folder = Directory.CreateDirectory(Path.Combine(_root.FullName, $"h{n}")).FullName;
        var host = new TestHost(name, $"10.250.{n}.2", outer, inner, folder, Path.Combine(folder, "dstack"));
        try
        {
            await SetUpAsync(host, n);
            return host;
        }
        catch
        {
            // Half made: nothing holds it yet, so nothing else would take it down (the veth pair may not have moved in yet).
            await RemoveNamespaceAsync(name);
            await Programs.TryAsync("ip", "link", "del", outer);
            throw;
        }
    }

    private async Task SetUpAsync(TestHost host, int n)
    {
        var (name, outer, inner, folder) = (host.Namespace, host.OuterLink, host.InnerLink, host.Folder);
        await Programs.RunAsync("ip", "netns", "add", name);
        await Programs.RunAsync("ip", "link", "add", outer, "type", "veth", "peer", "name", inner);
        await Programs.RunAsync("ip", "link", "set", inner, "netns", name);
        await Programs.RunAsync("ip", "addr", "add", $"10.250.{n}.1/24", "dev", outer);
        await Programs.RunAsync("ip", "link", "set", outer, "up");
        await Programs.RunAsync("ip", "netns", "exec", name, "ip", "addr", "add", $"{host.Address}/24", "dev", inner);
        await Programs.RunAsync("ip", "netns", "exec", name, "ip", "link", "set", inner, "up");
        await Programs.RunAsync("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
        await Programs.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host.HostKey);
        File.Copy(UserKey + ".pub", Path.Combine(folder, "authorized_keys"));
        Directory.CreateDirectory(Path.Combine(folder, "home"));
        await File.WriteAllTextAsync(host.Config, $"""
            ListenAddress {host.Address}
            Port 22
            HostKey {host.HostKey}
            PidFile {host.PidFile}
            AuthorizedKeysFile {Path.Combine(folder, "authorized_keys")}
            PermitRootLogin yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            StrictModes no
            UsePAM no
            Subsystem sftp internal-sftp
            # A clean host: its own home, not this machine's /root, whose ~/.bashrc runs `pyenv init` in every SSH
            # session; a session killed mid-rehash (link cuts, killed workers) leaves pyenv's lock behind and every later
            # session waits for it and prints its error into the job's output.
            SetEnv HOME={Path.Combine(folder, "home")}

            """);
    }

    private static async Task StartSshdAsync(TestHost host)
    {
        await Programs.RunAsync("ip", "netns", "exec", host.Namespace, Sshd, "-f", host.Config, "-E", host.Log);
        await Eventually.TrueAsync(
            async () =>
            {
                using var client = new TcpClient();
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await client.ConnectAsync(host.Address, 22, timeout.Token);
                    return true;
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(20),
            $"sshd of {host.Namespace} to listen");
    }

    private static async Task StopSshdAsync(TestHost host)
    {
        if (File.Exists(host.PidFile) && int.TryParse((await File.ReadAllTextAsync(host.PidFile)).Trim(), out var pid))
        {
            await Programs.TryAsync("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
            await Eventually.TrueAsync(() => Task.FromResult(!Directory.Exists($"/proc/{pid}")), TimeSpan.FromSeconds(10), $"sshd {pid} to exit");
            File.Delete(host.PidFile);
        }
    }

    private static async Task RemoveStaleAsync()
    {
        foreach (var line in (await Programs.RunAsync("ip", "netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            var parts = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..].Split('-') : [];
            if (parts.Length == 2 && int.TryParse(parts[0], out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                await RemoveNamespaceAsync(name);
            }
        }
    }

    /// <summary>Kills every process in the namespace (sshd, its sessions, jobs started there), then deletes it and its veth pair.</summary>
    private static async Task RemoveNamespaceAsync(string name)
    {
        var (_, pids, _) = await Programs.TryAsync("ip", "netns", "pids", name);
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await Programs.TryAsync("kill", "-KILL", pid);
        }

        await Programs.TryAsync("ip", "netns", "del", name);
    }

    private static async Task<FileStream> TakeLockAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
