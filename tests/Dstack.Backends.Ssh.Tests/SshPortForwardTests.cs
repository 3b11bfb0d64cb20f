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
    /// <summary>
    /// A browser opens several connections at once and keeps them open. Each must be answered at once: SSH.NET's own
    /// forward served a connection that was already waiting when it accepted the one before only after that one closed.
    /// </summary>
    [SshFact]
    public async Task ForwardLocalPortAsync_ManyConnectionsOpenAtOnce_EachAnsweredWhileTheOthersStayOpen()
    {
        var shell = await _session.ShellAsync(1);
        const int Connections = 16;

        var job = await StartGreeterAsync(shell, "ssh-forward-many", 47124);

        using var forward = await shell.ForwardLocalPortAsync(47124);
        for (var round = 0; round < 3; round++)
        {
            var clients = Enumerable.Range(0, Connections).Select(_ => new TcpClient()).ToList();
            try
            {
                await Task.WhenAll(clients.Select(c => c.ConnectAsync("127.0.0.1", forward.LocalPort)));
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                var greetings = await Task.WhenAll(clients.Select(async c =>
                {
                    try
                    {
                        return await new StreamReader(c.GetStream(), Encoding.ASCII).ReadLineAsync(timeout.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return null;
                    }
                }));

                Assert.True(greetings.All(g => g?.StartsWith("hello ", StringComparison.Ordinal) == true), $"round {round}: {greetings.Count(g => g is null)} of {Connections} connections got no answer within 20 s");
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
        }

        // Disposing closes the connections still open and the listener.
        var open = new TcpClient();
        await open.ConnectAsync("127.0.0.1", forward.LocalPort);
        var reader = new StreamReader(open.GetStream(), Encoding.ASCII);
        Assert.StartsWith("hello ", await reader.ReadLineAsync(), StringComparison.Ordinal);
        forward.Dispose();
        using (open)
        {
            using var closed = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                Assert.Null(await reader.ReadLineAsync(closed.Token));
            }
            catch (IOException)
            {
                // Reset rather than closed: closed all the same.
            }
        }

        using var late = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => late.ConnectAsync("127.0.0.1", forward.LocalPort));
        await job.StopAsync(force: true);
        await job.CleanupAsync();
    }

    [SshFact]
    public async Task ForwardLocalPortAsync_ConnectionLost_SamePortWorksOnceTheHostIsBack()
    {
        var host = hosts.Hosts[1];
        var shell = await _session.ShellAsync(1);
        var job = await StartGreeterAsync(shell, "ssh-forward-lost", 47125);
        using var forward = await shell.ForwardLocalPortAsync(47125);
        Assert.StartsWith("hello ", await GreetingAsync(forward.LocalPort, TimeSpan.FromSeconds(20)), StringComparison.Ordinal);

        await hosts.CutAsync(host);
        try
        {
            // Cut off, a connection is closed once SSH gives up on it, never left hanging.
            Assert.Null(await GreetingAsync(forward.LocalPort, TimeSpan.FromSeconds(30)));
        }
        finally
        {
            await hosts.RestoreAsync(host);
        }

        await Eventually.TrueAsync(
            async () => (await GreetingAsync(forward.LocalPort, TimeSpan.FromSeconds(20)))?.StartsWith("hello ", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(60),
            "a connection through the same local port to be greeted again");
        await job.StopAsync(force: true);
        await job.CleanupAsync();
    }

    /// <summary>The first line a new connection to <paramref name="port"/> gets, or null when it is closed first; fails when neither happens in time.</summary>
    private static async Task<string?> GreetingAsync(int port, TimeSpan timeout)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            return await new StreamReader(client.GetStream(), Encoding.ASCII).ReadLineAsync(limit.Token);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A server on the host's loopback that greets each connection with its number and keeps it open until the client closes it.</summary>
    private async Task<Core.Jobs.JobRunner> StartGreeterAsync(SshShell shell, string run, int port)
    {
        var job = await _session.PrepareJobAsync(shell, run, $$"""
            exec python3 -c '
            import socketserver, itertools
            count = itertools.count()
            class Greet(socketserver.BaseRequestHandler):
                def handle(self):
                    self.request.sendall(b"hello %d\n" % next(count))
                    while self.request.recv(4096):
                        pass
            socketserver.ThreadingTCPServer.allow_reuse_address = True
            socketserver.ThreadingTCPServer.daemon_threads = True
            socketserver.ThreadingTCPServer.request_queue_size = 64
            socketserver.ThreadingTCPServer(("127.0.0.1", {{port}}), Greet).serve_forever()
            '

            """);
        await job.StartAsync();
        var hex = port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(
            async () => (await shell.RunAsync($"grep -q ':{hex} 00000000:0000 0A' /proc/net/tcp")).Succeeded,
            TimeSpan.FromSeconds(20),
            $"the server on the host to listen on port {port} ({hex})");
        return job;
    }
}
