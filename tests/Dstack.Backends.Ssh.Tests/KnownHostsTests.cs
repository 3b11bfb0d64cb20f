using Dstack.Core.Instances;

namespace Dstack.Backends.Ssh.Tests;

[Collection(HostsCollection.Name)]
public sealed class KnownHostsTests(NetworkHosts hosts) : IDisposable
{
    private readonly TestSession _session = new(hosts);

    public void Dispose() => _session.Dispose();

    [SshFact]
    public async Task Connect_FirstContact_PinsTheKeyInDstacksKnownHosts()
    {
        await _session.ShellAsync(0);

        var lines = await File.ReadAllLinesAsync(Path.Combine(_session.Home, "known_hosts"));
        var line = Assert.Single(lines);
        var publicKey = (await File.ReadAllTextAsync(hosts.Hosts[0].HostKey + ".pub")).Split(' ');
        Assert.Equal($"{hosts.Hosts[0].Address} {publicKey[0]} {publicKey[1]}", line);
    }

    [SshFact]
    public async Task Connect_HostKeyChanged_RefusedWithClearMessage()
    {
        var host = hosts.Hosts[2];
        await _session.ShellAsync(2);
        _session.Pool.Dispose();
        await hosts.ChangeHostKeyAsync(host);

        using var pool = new SshConnectionPool(_session.Options, _session.KnownHosts);
        var refused = await Assert.ThrowsAsync<SshHostRefusedException>(() => SshShell.OpenAsync(pool, _session.Host(2)));

        Assert.Contains($"The host key of root@{host.Address}:22 has changed", refused.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_session.Home, "known_hosts"), refused.Message, StringComparison.Ordinal);
        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_session.Home, "known_hosts")));
    }

    [SshFact]
    public async Task Connect_KeyTheHostDoesNotAccept_RefusedNamingTheKeyFile()
    {
        using var stranger = new TestSession(hosts, hosts.StrangerKey);

        var refused = await Assert.ThrowsAsync<SshHostRefusedException>(() => stranger.ShellAsync(1));

        Assert.Contains($"root@{hosts.Hosts[1].Address}:22 refused the key {hosts.StrangerKey}", refused.Message, StringComparison.Ordinal);
    }

    [SshFact]
    public async Task Connect_MissingKeyFile_RefusedNamingTheFile()
    {
        var missing = Path.Combine(_session.Home, "no_such_key");
        using var session = new TestSession(hosts, missing);

        var refused = await Assert.ThrowsAsync<SshHostRefusedException>(() => session.ShellAsync(0));

        Assert.Contains(missing, refused.Message, StringComparison.Ordinal);
    }

    [SshFact]
    public async Task Connect_LinkDown_Unreachable()
    {
        var host = hosts.Hosts[1];
        await hosts.CutAsync(host);
        try
        {
            var error = await Assert.ThrowsAsync<InstanceUnreachableException>(() => _session.ShellAsync(1));
            Assert.Equal($"root@{host.Address}:22", error.Instance);
        }
        finally
        {
            await hosts.RestoreAsync(host);
        }

        Assert.NotNull(await _session.ShellAsync(1));
    }
}
