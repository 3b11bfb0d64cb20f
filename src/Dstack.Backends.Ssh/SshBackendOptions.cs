using Dstack.Core.Settings;

namespace Dstack.Backends.Ssh;

/// <summary>Settings of the ssh backend: its hosts and how patiently it talks to them.</summary>
/// <param name="DstackHome">The dstack folder (<c>DSTACK_HOME</c>): the pinned host keys live in its <c>known_hosts</c>.</param>
/// <param name="Hosts">The hosts, as configured.</param>
public sealed record SshBackendOptions(string DstackHome, IReadOnlyList<SshHostSettings> Hosts)
{
    /// <summary>Gets how long one connection attempt may take. <value>The default value is 5 seconds.</value></summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets how many times a connection is tried (with a growing pause) before the host counts as unreachable. <value>The default value is 3.</value></summary>
    public int ConnectAttempts { get; init; } = 3;

    /// <summary>
    /// Gets how long one file operation (a read at an offset, a download's each step) may take before the connection counts
    /// as lost. It stays under the execute activity's heartbeat timeout. <value>The default value is 5 seconds.</value>
    /// </summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets how long one script may run. <value>The default value is 5 minutes.</value></summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets how often an idle connection sends a keep-alive. <value>The default value is 15 seconds.</value></summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets the age after which a claim on a host with no live job counts as left over (a worker that died before releasing)
    /// and the host as free. <value>The default value is 10 minutes.</value>
    /// </summary>
    public TimeSpan StaleClaimAge { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets how long a host running a job may stay unreachable (<c>grace_period</c>), or null for the worker's default.</summary>
    public TimeSpan? UnreachableGracePeriod { get; init; }

    /// <summary>Gets the file of pinned host keys: <c>$DSTACK_HOME/known_hosts</c>.</summary>
    public string KnownHostsFile => Path.Combine(DstackHome, "known_hosts");

    /// <summary>Gets the key used for hosts without <c>identity_file</c>: dstack's own, <c>$DSTACK_HOME/ssh/id_rsa</c> (see <see cref="SshKeys"/>).</summary>
    public string DefaultIdentityFile => Path.Combine(DstackHome, "ssh", "id_rsa");
}
