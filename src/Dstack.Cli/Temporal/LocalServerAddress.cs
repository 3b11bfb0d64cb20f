using System.Net;
using System.Net.Sockets;
using Dstack.Core.Settings;

namespace Dstack.Cli.Temporal;

/// <summary>
/// Where this dstack folder's commands find Temporal. A configured address is used as it is. Without one, the default
/// 127.0.0.1:7233 is shared by every user of the machine, so a dstack folder whose server runs elsewhere (another
/// user's server held 7233 when it started) uses the address its server recorded in <c>server.json</c>.
/// </summary>
internal static class LocalServerAddress
{
    /// <summary>The first port tried when the default one is taken; far from Temporal's own ports (7233–7239, 8233).</summary>
    public const int FirstSparePort = 17233;

    /// <summary>Gets the address the commands of <paramref name="settings"/>' dstack folder use.</summary>
    public static string Resolve(DstackSettings settings) =>
        settings.Temporal.AddressIsDefault && LocalServerRecord.Read(settings.Home) is { } record && LocalServerProcess.IsRunning(record)
            ? record.Address
            : settings.Temporal.Address;

    /// <summary>Gets a value indicating whether two addresses name the same loopback port (<c>localhost</c> is 127.0.0.1 here).</summary>
    public static bool Same(string a, string b) =>
        string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    /// <summary>Gets <paramref name="settings"/> with the address <see cref="Resolve"/> gives.</summary>
    public static DstackSettings Apply(DstackSettings settings) =>
        settings with { Temporal = settings.Temporal with { Address = Resolve(settings) } };

    /// <summary>
    /// Finds a port for a server that cannot have the default one: the first from <see cref="FirstSparePort"/> whose Web UI
    /// port (+1000) is free as well, so the UI keeps Temporal's offset; any free port when those are all taken.
    /// </summary>
    public static int FindSparePort(string ip)
    {
        for (var port = FirstSparePort; port < FirstSparePort + 100; port++)
        {
            if (IsFree(ip, port) && IsFree(ip, port + 1000))
            {
                return port;
            }
        }

        var listener = new TcpListener(IPAddress.Parse(ip), 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Whether nothing listens on <paramref name="port"/> of <paramref name="ip"/>.</summary>
    public static bool IsFree(string ip, int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Parse(ip), port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Normalize(string address) =>
        address.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1:" + address["localhost:".Length..] : address;
}
