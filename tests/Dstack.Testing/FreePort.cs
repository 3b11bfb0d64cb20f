using System.Net;
using System.Net.Sockets;

namespace Dstack.Testing;

/// <summary>Ports for servers the tests start.</summary>
public static class FreePort
{
    /// <summary>
    /// Gets a loopback port that was free a moment ago (the kernel picked it). For programs that must be told their port; a
    /// server of these tests that can listen on port 0 and report its port does that instead.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
