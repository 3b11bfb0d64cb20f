using Renci.SshNet;
using Renci.SshNet.Common;

namespace Dstack.Backends.Ssh;

/// <summary>A dedicated connection and SSH.NET's forward on it, listening on a loopback port only <see cref="SshPortForward"/> connects to.</summary>
internal sealed class SshForwardTunnel : IDisposable
{
    private readonly SshConnection _connection;
    private readonly ForwardedPortLocal _port;
    private volatile bool _broken;

    private SshForwardTunnel(SshConnection connection, ForwardedPortLocal port)
    {
        _connection = connection;
        _port = port;
        // Only the session's failure breaks the tunnel: one browser connection reset must not cut the others.
        port.Exception += (_, e) => _broken |= e.Exception is SshConnectionException || !connection.IsConnected;
    }

    public int InnerPort => checked((int)_port.BoundPort);

    public bool IsAlive => !_broken && _port.IsStarted && _connection.IsConnected;

    public static SshForwardTunnel Start(SshConnection connection, string remoteHost, uint remotePort, EventHandler<PortForwardEventArgs> onRequest)
    {
        var port = new ForwardedPortLocal("127.0.0.1", 0, remoteHost, remotePort);
        port.RequestReceived += onRequest;
        try
        {
            connection.Ssh.AddForwardedPort(port);
            port.Start();
            return new SshForwardTunnel(connection, port);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            if (_port.IsStarted)
            {
                _port.Stop();
            }
        }
        catch (Exception e) when (SshConnectionPool.IsConnectionFailure(e) || e is SshException)
        {
            // The session is gone already; disposing below frees what is left.
        }

        _port.Dispose();
        _connection.Dispose();
    }
}
