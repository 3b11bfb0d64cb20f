using Renci.SshNet;

namespace Dstack.Backends.Ssh;

/// <summary>
/// A local port forwarded to a port on a host (<c>ssh -L</c>): connections to <c>127.0.0.1:LocalPort</c> here reach
/// <c>RemoteHost:RemotePort</c> as seen from the host. Dev environments use it to show a server that listens only there.
/// </summary>
internal sealed class SshPortForward : IDisposable
{
    private readonly SshClient _client;
    private readonly ForwardedPortLocal _port;

    private SshPortForward(SshClient client, ForwardedPortLocal port)
    {
        _client = client;
        _port = port;
    }

    /// <summary>Gets the local port (on 127.0.0.1).</summary>
    public int LocalPort => checked((int)_port.BoundPort);

    /// <summary>Starts forwarding a free local port over <paramref name="connection"/>.</summary>
    public static SshPortForward Start(SshConnection connection, string remoteHost, int remotePort)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(remoteHost);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(remotePort);
        var port = new ForwardedPortLocal("127.0.0.1", 0, remoteHost, checked((uint)remotePort));
        try
        {
            connection.Ssh.AddForwardedPort(port);
            port.Start();
            return new SshPortForward(connection.Ssh, port);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening and closes the forwarded connections.</summary>
    public void Dispose()
    {
        if (_port.IsStarted)
        {
            _port.Stop();
        }

        if (_client.IsConnected)
        {
            _client.RemoveForwardedPort(_port);
        }

        _port.Dispose();
    }
}
