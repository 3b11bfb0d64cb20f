using Dstack.Core.Settings;

namespace Dstack.Cli.Temporal;

/// <summary>
/// This dstack folder's own running <c>dstack server</c>, the one address the folder's server key may go to. It is the
/// server that <c>server.json</c> records, and only while the recorded process runs as this user
/// (<see cref="LocalServerProcess.IsRunning"/>): a record outlives a killed server, and its port may since be another
/// user's, who must never receive the key.
/// </summary>
internal static class OwnServer
{
    /// <summary>Gets the record of the folder's running server when it serves at <paramref name="address"/>; null otherwise.</summary>
    public static LocalServerRecord? At(DstackSettings settings, string address) =>
        LocalServerRecord.Read(settings.Home) is { } record && LocalServerAddress.Same(record.Address, address) && LocalServerProcess.IsRunning(record)
            ? record
            : null;

    /// <summary>
    /// Gets the Temporal settings that connect to <paramref name="address"/>: for the folder's own server, its recorded
    /// address (the IP it bound, never a name that might resolve elsewhere) with its key, in plain gRPC as it serves on
    /// loopback; for any other server, the configured settings, which carry no server key.
    /// </summary>
    /// <exception cref="CommandException">The own server's key file is missing, damaged or open to others.</exception>
    public static TemporalSettings ConnectSettings(DstackSettings settings, string address) =>
        At(settings, address) is { } record
            ? WithKey(settings.Temporal, record.Address, ServerKey.Read(settings.Home))
            : settings.Temporal with { Address = address };

    /// <summary>Gets <paramref name="temporal"/> connecting to a server of this folder at <paramref name="address"/> with its <paramref name="key"/>.</summary>
    public static TemporalSettings WithKey(TemporalSettings temporal, string address, string key) =>

        // The SDK turns TLS on whenever an API key is set; the server listens on loopback in plain gRPC, where TLS would
        // add nothing against the users it keeps out (the key file's mode does that).
        temporal with { Address = address, ApiKey = new SecretText(key), Tls = new TemporalTlsSettings { Disabled = true } };
}
