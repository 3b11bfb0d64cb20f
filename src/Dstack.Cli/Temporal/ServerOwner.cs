using Dstack.Core.Settings;

namespace Dstack.Cli.Temporal;

/// <summary>
/// Whose a <c>dstack server</c> is: the user, machine, dstack folder and storage it runs its worker with. The server
/// puts it into its namespaces' data (<c>NamespaceInfo.Data</c>, which real Temporal keeps as well), so a CLI can tell
/// its own server from another user's on the same machine before it sends a run there. A real Temporal server carries
/// none of it, and no check applies to it.
/// </summary>
/// <param name="User">The user the server runs as.</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Home">Its dstack folder (config, secrets key, job folders).</param>
/// <param name="Storage">Where its worker keeps code snapshots, logs and artifacts (a folder or an s3:// location).</param>
internal sealed record ServerOwner(string User, string Host, string Home, string Storage)
{
    private const string UserKey = "dstack.server.user";
    private const string HostKey = "dstack.server.host";
    private const string HomeKey = "dstack.server.home";
    private const string StorageKey = "dstack.server.storage";

    /// <summary>Gets the owner a server started with <paramref name="settings"/> by this process's user has.</summary>
    public static ServerOwner Of(DstackSettings settings) =>
        new(Environment.UserName, Environment.MachineName, settings.Home, Describe(settings.Storage));

    /// <summary>Reads the owner from a namespace's data; null when the server recorded none (real Temporal).</summary>
    public static ServerOwner? Read(IDictionary<string, string> data) =>
        data.TryGetValue(UserKey, out var user) && data.TryGetValue(HostKey, out var host)
        && data.TryGetValue(HomeKey, out var home) && data.TryGetValue(StorageKey, out var storage)
            ? new ServerOwner(user, host, home, storage)
            : null;

    /// <summary>Writes this owner into a namespace's data.</summary>
    public void Write(IDictionary<string, string> data)
    {
        data[UserKey] = User;
        data[HostKey] = Host;
        data[HomeKey] = Home;
        data[StorageKey] = Storage;
    }

    /// <summary>
    /// Whether a CLI of <paramref name="client"/> may send runs to this server: its worker must read and write the
    /// client's storage. A folder is one user's, so with local storage the server must also be the same dstack folder on
    /// the same machine (its secrets key and job folders); an S3 location is meant to be shared, by a team's server too.
    /// </summary>
    public bool Serves(ServerOwner client) =>
        Storage == client.Storage
        && (Storage.StartsWith("s3://", StringComparison.Ordinal) || (Home == client.Home && Host == client.Host));

    private static string Describe(StorageSettings storage) =>
        storage.Type == StorageType.S3
            ? $"s3://{storage.Bucket}/{storage.Prefix}{(storage.Endpoint is { } endpoint ? $" at {endpoint}" : string.Empty)}"
            : storage.Path;
}
