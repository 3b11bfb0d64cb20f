using Dstack.Core.Settings;

namespace Dstack.Backends.Ssh;

/// <summary>A configured host with its defaults filled in.</summary>
/// <param name="Address">The host name or address.</param>
/// <param name="Port">The SSH port.</param>
/// <param name="User">The user to log in as.</param>
/// <param name="IdentityFile">The private key file (absolute).</param>
/// <param name="DstackDirectory">The folder on the host for jobs, as configured (<c>~</c> not yet expanded).</param>
/// <param name="Blocks">How many jobs the host may run at once.</param>
/// <param name="Labels">The user's labels for the host, or null.</param>
internal sealed record SshHost(string Address, int Port, string User, string IdentityFile, string DstackDirectory, int Blocks = 1, IReadOnlyList<string>? Labels = null)
{
    /// <summary>Gets the host as users know it and as offers and instances name it: <c>user@host:port</c>.</summary>
    public string Id => $"{User}@{Address}:{Port}";

    /// <summary>Gets the name the host's key is pinned under, as OpenSSH writes it (<c>[host]:port</c> unless the port is 22).</summary>
    public string KnownHostsName => Port == 22 ? Address : $"[{Address}]:{Port}";

    public static SshHost From(SshHostSettings settings, SshBackendOptions options) => new(
        settings.Host,
        settings.Port,
        settings.User ?? Environment.UserName,
        settings.IdentityFile ?? options.DefaultIdentityFile,
        settings.DstackDirectory ?? SshHostSettings.DefaultDstackDirectory,
        settings.Blocks,
        settings.Labels);

    public override string ToString() => Id;
}
