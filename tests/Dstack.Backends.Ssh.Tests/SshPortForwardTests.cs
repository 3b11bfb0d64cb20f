using System.Net.Sockets;
using System.Text;

namespace Dstack.Backends.Ssh.Tests;

[Collection(HostsCollection.Name)]
public sealed class SshPortForwardTests(NetworkHosts hosts) : IDisposable
{
    private readonly TestSession _session = new(hosts);

    public void Dispose() => _session.Dispose();

    [SshFact]
    public async Task ForwardLocalPortAsync_ServerOnHostLoopback_ReachableHere()
    {
        var shell = await _session.ShellAsync(1);

        // A one-shot server on the host's own loopback (its namespace), which nothing outside the host can reach directly.
        var job = await _session.PrepareJobAsync(shell, "ssh-forward-1", "exec python3 -c \"import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 47123)); s.listen(); c, _ = s.accept(); c.sendall(b'hello through the tunnel'); c.close()\"\n");
        await job.StartAsync();
        await Eventually.TrueAsync(
            async () => (await shell.RunAsync("grep -q ':B813 00000000:0000 0A' /proc/net/tcp")).Succeeded,
            TimeSpan.FromSeconds(20),
            "the server on the host to listen on port 47123 (B813)");

        using var forward = await shell.ForwardLocalPortAsync(47123);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", forward.LocalPort);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);

        Assert.Equal("hello through the tunnel", await reader.ReadToEndAsync());
        await job.StopAsync(force: true);
        await job.CleanupAsync();
    }
}
