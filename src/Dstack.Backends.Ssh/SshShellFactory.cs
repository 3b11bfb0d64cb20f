using Dstack.Core;
using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Dstack.Core.Settings;

namespace Dstack.Backends.Ssh;

/// <summary>
/// Opens the ssh backend's shells on machines other backends provide (cloud instances), so that they run jobs through
/// the same protocol without knowing SSH.NET. Connections are pooled and host keys pinned in
/// <see cref="SshBackendOptions.KnownHostsFile"/>.
/// </summary>
public sealed class SshShellFactory : IDisposable
{
    private readonly SshBackendOptions _options;
    private readonly KnownHosts _knownHosts;
    private readonly SshConnectionPool _pool;

    public SshShellFactory(SshBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _knownHosts = new KnownHosts(options.KnownHostsFile);
        _pool = new SshConnectionPool(options, _knownHosts);
    }

    /// <summary>
    /// Opens a shell on <paramref name="host"/>. Throws <see cref="InstanceUnreachableException"/> when it does not answer,
    /// and another <see cref="DstackException"/> when it refuses (key, host key, dstack folder).
    /// </summary>
    public async Task<IInstanceShell> OpenAsync(SshHostSettings host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        return await SshShell.OpenAsync(_pool, SshHost.From(host, _options), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Forwards a free local port to <paramref name="remotePort"/> on the loopback of <paramref name="host"/>, as the ssh
    /// backend forwards its hosts' ports (see <see cref="IPortForwarding"/>). Throws as <see cref="OpenAsync"/> does.
    /// </summary>
    public async Task<ForwardedPort> ForwardAsync(SshHostSettings host, int remotePort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var forward = await SshPortForward.StartAsync(_pool, SshHost.From(host, _options), "127.0.0.1", remotePort, cancellationToken).ConfigureAwait(false);
        return new ForwardedPort(remotePort, forward.LocalPort, forward);
    }

    /// <summary>
    /// Forgets the pinned key of <paramref name="host"/> and drops its connection: a new machine now has its address (a
    /// cloud reuses addresses), and its key is pinned on first contact.
    /// </summary>
    public void Forget(SshHostSettings host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var sshHost = SshHost.From(host, _options);
        _knownHosts.Forget(sshHost);
        _pool.Drop(sshHost);
    }

    public void Dispose() => _pool.Dispose();
}
