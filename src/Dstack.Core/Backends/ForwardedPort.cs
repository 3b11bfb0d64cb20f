namespace Dstack.Core.Backends;

/// <summary>A port of an instance reachable on <c>localhost:LocalPort</c> here, until disposed.</summary>
/// <param name="remotePort">The port on the instance.</param>
/// <param name="localPort">The port on this machine's loopback.</param>
/// <param name="forward">What keeps the forward open (closed on dispose), or null when the port is local already.</param>
public sealed class ForwardedPort(int remotePort, int localPort, IDisposable? forward) : IDisposable
{
    /// <summary>Gets the port on the instance.</summary>
    public int RemotePort { get; } = remotePort;

    /// <summary>Gets the port on this machine's loopback.</summary>
    public int LocalPort { get; } = localPort;

    /// <summary>Stops forwarding.</summary>
    public void Dispose() => forward?.Dispose();
}
