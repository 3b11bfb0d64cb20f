using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dstack.Testing;

/// <summary>Ports for servers the tests start.</summary>
public static class FreePort
{
    /// <summary>Room left under a port for the Web UI, which dstack and the Temporal CLI put at the server's port + 1000.</summary>
    private const int UiOffset = 1000;

    private const int RangeSize = 10_000;

    private static readonly int Ceiling = EphemeralLow() - UiOffset;

    private static int _next = Random.Shared.Next(RangeSize);

    /// <summary>
    /// Gets a loopback port that was free a moment ago, as was the port 1000 above it (the Web UI's default). For programs
    /// that must be told their port; a server of these tests that can listen on port 0 and report its port does that instead.
    /// </summary>
    /// <remarks>
    /// The ports lie below the kernel's ephemeral range: a port from there (what listening on port 0 returns) can be taken
    /// between this call and the server's bind by any outgoing connection on the machine, and the tests make many. Each
    /// call moves on, so two servers of one test run are never told the same port.
    /// </remarks>
    public static int Next()
    {
        for (var tries = 0; tries < RangeSize; tries++)
        {
            var port = Ceiling - RangeSize + (Interlocked.Increment(ref _next) % RangeSize);
            if (IsFree(port) && IsFree(port + UiOffset))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port below {Ceiling}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port the kernel hands to outgoing connections (Linux's net.ipv4.ip_local_port_range).</summary>
    private static int EphemeralLow()
    {
        const string Range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(Range) && int.TryParse(File.ReadAllText(Range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
            ? low
            : 32768;
    }
}
