using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Dstack.Core.Instances;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Dstack.Backends.Ssh;

/// <summary>
/// A local port forwarded to a port on a host (<c>ssh -L</c>): connections to <c>127.0.0.1:LocalPort</c> here reach
/// <c>RemoteHost:RemotePort</c> as seen from the host. Dev environments use it to show a server that listens only there.
/// </summary>
/// <remarks>
/// <para>
/// SSH.NET's <see cref="ForwardedPortLocal"/> carries the data, but never sees two connections waiting at once: it serves
/// each accepted connection on the thread that accepted it, for the connection's whole life, and when the next connection
/// was already waiting it accepts that one on the same thread first, so the earlier one got no channel until the later
/// one closed. A browser opens several connections at once and keeps them alive, so pages stalled for minutes. Here
/// connections are accepted on a listener of our own and handed to SSH.NET's listener one at a time, each only after
/// SSH.NET took the previous one (its <see cref="ForwardedPort.RequestReceived"/>), and relayed.
/// </para>
/// <para>
/// SSH.NET also blocks a thread-pool thread on each forwarded connection for its whole life. The pool adds threads for
/// blocked ones only slowly (about one a second), so a dozen connections starved everything else in the process, this
/// relay included, for many seconds; each connection raises the pool's minimum by one first (see <see cref="ReserveThread"/>).
/// </para>
/// <para>
/// The forward has an SSH connection of its own (see <see cref="SshConnectionPool.ConnectDedicatedAsync"/>). When that
/// connection is lost, the next local connection connects again, so the local port and the URLs printed for it stay valid.
/// </para>
/// </remarks>
internal sealed class SshPortForward : IDisposable
{
    /// <summary>How long SSH.NET's listener may take to accept a connection handed to it before the tunnel counts as broken.</summary>
    private static readonly TimeSpan HandOverTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The pause after a failed accept: a lasting failure (no file descriptor left) must not spin a core.</summary>
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly SshConnectionPool _pool;
    private readonly SshHost _host;
    private readonly string _remoteHost;
    private readonly uint _remotePort;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationToken _stopping;
    private readonly SemaphoreSlim _handOver = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _handedOver = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Lock _tunnelLock = new();
    private SshForwardTunnel? _tunnel;
    private int _disposed;
    private static readonly Lock s_threadReserve = new();
    private static int s_connections;
    private static int s_baseMinWorkers;

    private SshPortForward(SshConnectionPool pool, SshHost host, string remoteHost, int remotePort)
    {
        _pool = pool;
        _host = host;
        _remoteHost = remoteHost;
        _remotePort = checked((uint)remotePort);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

        // Taken once: the token stays usable after the source is disposed, while connections still wind down.
        _stopping = _stop.Token;
    }

    /// <summary>Gets the local port (on 127.0.0.1).</summary>
    public int LocalPort { get; private set; }

    /// <summary>
    /// Connects to <paramref name="host"/> and forwards a free local port to <paramref name="remoteHost"/>:<paramref name="remotePort"/>.
    /// Throws <see cref="InstanceUnreachableException"/> or <see cref="SshHostRefusedException"/> as the pool does.
    /// </summary>
    public static async Task<SshPortForward> StartAsync(SshConnectionPool pool, SshHost host, string remoteHost, int remotePort, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentException.ThrowIfNullOrEmpty(remoteHost);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(remotePort);
        var forward = new SshPortForward(pool, host, remoteHost, remotePort);
        try
        {
            // Connecting first reports an unreachable host or a refused key to the caller, not to the first browser.
            await forward.TunnelAsync(cancellationToken).ConfigureAwait(false);
            forward._listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            forward._listener.Listen(64);
            forward.LocalPort = ((IPEndPoint)forward._listener.LocalEndPoint!).Port;
            _ = forward.AcceptAsync();
            return forward;
        }
        catch
        {
            forward.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening, closes the forwarded connections and the SSH connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        _listener.Dispose();
        foreach (var socket in _sockets.Keys)
        {
            socket.Dispose();
        }

        SshForwardTunnel? tunnel;
        lock (_tunnelLock)
        {
            tunnel = _tunnel;
            _tunnel = null;
        }

        tunnel?.Dispose();

        _stop.Dispose();
        _handOver.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset before it was accepted, or no file descriptor left for now; the listener still works.
                await Task.Delay(AcceptRetryDelay, _stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        Track(client);
        using var inner = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Track(inner);
        ReserveThread(+1);
        try
        {
            client.NoDelay = true;
            await HandOverAsync(inner).ConfigureAwait(false);
            await RelayAsync(client, inner).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException
            or InstanceUnreachableException or SshHostRefusedException or TimeoutException)
        {
            // The one connection fails (the browser sees it closed); the forward goes on and the next one tries again.
        }
        finally
        {
            _sockets.TryRemove(inner, out _);
            _sockets.TryRemove(client, out _);
            client.Dispose();
            ReserveThread(-1);
        }
    }

    /// <summary>
    /// Keeps a thread-pool thread free for each forwarded connection SSH.NET blocks one on (in every forward of the
    /// process): the pool's minimum is what it was before the first forwarded connection plus the open connections,
    /// and goes back to exactly that when they have all closed. Under a lock: opens and closes race otherwise.
    /// </summary>
    private static void ReserveThread(int change)
    {
        lock (s_threadReserve)
        {
            ThreadPool.GetMinThreads(out var workers, out var completionPorts);
            if (s_connections == 0)
            {
                s_baseMinWorkers = workers;
            }

            s_connections += change;
            ThreadPool.SetMinThreads(s_baseMinWorkers + s_connections, completionPorts);
        }
    }

    /// <summary>Connects <paramref name="inner"/> to SSH.NET's listener and waits until SSH.NET took it, one connection at a time.</summary>
    private async Task HandOverAsync(Socket inner)
    {
        await _handOver.WaitAsync(_stopping).ConfigureAwait(false);
        try
        {
            var tunnel = await TunnelAsync(_stopping).ConfigureAwait(false);
            inner.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var ownPort = ((IPEndPoint)inner.LocalEndPoint!).Port;
            var taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _handedOver[ownPort] = taken;
            try
            {
                await inner.ConnectAsync(IPAddress.Loopback, tunnel.InnerPort, _stopping).ConfigureAwait(false);
                await taken.Task.WaitAsync(HandOverTimeout, _stopping).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // SSH.NET's listener stopped taking connections (its session died unnoticed): connect afresh next time.
                Drop(tunnel);
                throw;
            }
            finally
            {
                _handedOver.TryRemove(ownPort, out _);
            }
        }
        finally
        {
            _handOver.Release();
        }
    }

    /// <summary>Copies both ways; each side's end of data is passed on, and a failure on either side closes both.</summary>
    private async Task RelayAsync(Socket client, Socket inner)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        async Task CopyAsync(Socket from, Socket to)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, failed.Token).ConfigureAwait(false)) > 0)
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, failed.Token).ConfigureAwait(false);
                }

                to.Shutdown(SocketShutdown.Send);
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        await Task.WhenAll(CopyAsync(client, inner), CopyAsync(inner, client)).ConfigureAwait(false);
    }

    /// <summary>Gets the live tunnel, connecting a new one when there is none or it was lost.</summary>
    private async Task<SshForwardTunnel> TunnelAsync(CancellationToken cancellationToken)
    {
        lock (_tunnelLock)
        {
            if (_tunnel is { IsAlive: true } live)
            {
                return live;
            }
        }

        var connection = await _pool.ConnectDedicatedAsync(_host, cancellationToken).ConfigureAwait(false);
        SshForwardTunnel fresh;
        try
        {
            fresh = SshForwardTunnel.Start(connection, _remoteHost, _remotePort, OnRequestReceived);
        }
        catch (Exception e) when (SshConnectionPool.IsConnectionFailure(e) || e is SshException)
        {
            connection.Dispose();
            throw new InstanceUnreachableException(_host.Id, $"Cannot forward a port to {_remoteHost}:{_remotePort} on {_host.Id}: {e.Message}", e);
        }

        SshForwardTunnel? old;
        lock (_tunnelLock)
        {
            if (Volatile.Read(ref _disposed) == 1)
            {
                fresh.Dispose();
                throw new ObjectDisposedException(nameof(SshPortForward));
            }

            old = _tunnel;
            _tunnel = fresh;
        }

        old?.Dispose();
        return fresh;
    }

    private void Drop(SshForwardTunnel tunnel)
    {
        lock (_tunnelLock)
        {
            if (_tunnel != tunnel)
            {
                return;
            }

            _tunnel = null;
        }

        tunnel.Dispose();
    }

    private void OnRequestReceived(object? sender, PortForwardEventArgs e)
    {
        if (_handedOver.TryGetValue(checked((int)e.OriginatorPort), out var taken))
        {
            taken.TrySetResult();
        }
    }

    private void Track(Socket socket)
    {
        _sockets[socket] = 0;
        if (Volatile.Read(ref _disposed) == 1)
        {
            socket.Dispose();
        }
    }
}
