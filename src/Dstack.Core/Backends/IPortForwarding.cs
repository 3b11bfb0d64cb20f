namespace Dstack.Core.Backends;

/// <summary>
/// A backend that can make a port of its machines reachable here (dev environments, <c>ports</c>): SSH local port forwarding
/// for remote hosts; this machine's ports are here already.
/// </summary>
public interface IPortForwarding
{
    /// <summary>Makes <paramref name="remotePort"/> on the loopback of <paramref name="instance"/> reachable on a local port.</summary>
    /// <returns>The forward; disposing it stops forwarding.</returns>
    Task<ForwardedPort> ForwardAsync(Instance instance, int remotePort, CancellationToken cancellationToken = default);
}
