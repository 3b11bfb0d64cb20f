using System.Collections.Concurrent;
using System.Net.Sockets;
using Dstack.Core.Instances;
using Polly;
using Polly.Retry;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Dstack.Backends.Ssh;

/// <summary>
/// Keeps one connection per host and reuses it for every shell, reconnecting (with a growing pause between attempts)
/// when it was lost. Failures come out as <see cref="InstanceUnreachableException"/> (may pass) or
/// <see cref="SshHostRefusedException"/> (will not pass by itself), never as SSH.NET's own exceptions.
/// </summary>
internal sealed class SshConnectionPool(SshBackendOptions options, KnownHosts knownHosts) : IDisposable
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>Connecting again after an unreachable host, <see cref="SshBackendOptions.ConnectAttempts"/> tries in all, 250 ms, 500 ms... apart.</summary>
    private readonly ResiliencePipeline _connectRetry = options.ConnectAttempts <= 1
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<InstanceUnreachableException>(),
                MaxRetryAttempts = options.ConnectAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(250),
                UseJitter = false,
            })
            .Build();

    public SshBackendOptions Options { get; } = options;

    /// <summary>Gets the live connection to <paramref name="host"/>, connecting when there is none.</summary>
    public Task<SshConnection> GetAsync(SshHost host, CancellationToken cancellationToken) => GetAsync(host.Id, host, withSftp: true, cancellationToken);

    /// <summary>
    /// Gets the host's second connection, without SFTP, kept for commands that wait long (a wait for a job's end): they
    /// take none of the sessions that scripts and files need (<see cref="SshConnection.MaxSessions"/> per connection).
    /// </summary>
    public Task<SshConnection> GetWaitingAsync(SshHost host, CancellationToken cancellationToken) => GetAsync(WaitingKey(host), host, withSftp: false, cancellationToken);

    private async Task<SshConnection> GetAsync(string key, SshHost host, bool withSftp, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (slot.Connection is { IsConnected: true } live)
            {
                return live;
            }

            slot.Connection?.Dispose();
            slot.Connection = null;
            slot.Connection = await _connectRetry.ExecuteAsync(token => new ValueTask<SshConnection>(ConnectAsync(host, withSftp, token)), cancellationToken).ConfigureAwait(false);
            return slot.Connection;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>
    /// Opens a connection of its own to <paramref name="host"/>, outside the pool, without SFTP: a port forward's traffic
    /// then never waits behind scripts and files (SSH.NET writes each channel's data from the session's one receive
    /// thread), and the pool dropping a connection never cuts a forward. The caller disposes it.
    /// </summary>
    public async Task<SshConnection> ConnectDedicatedAsync(SshHost host, CancellationToken cancellationToken) =>
        await _connectRetry.ExecuteAsync(token => new ValueTask<SshConnection>(ConnectAsync(host, withSftp: false, token)), cancellationToken).ConfigureAwait(false);

    /// <summary>Drops <paramref name="connection"/> after it failed, so that the next call reconnects.</summary>
    public void Invalidate(SshHost host, SshConnection connection)
    {
        foreach (var key in new[] { host.Id, WaitingKey(host) })
        {
            if (_slots.TryGetValue(key, out var slot) && Interlocked.CompareExchange(ref slot.Connection, null, connection) == connection)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>Closes the connections to <paramref name="host"/>, if any: the next call connects afresh.</summary>
    public void Drop(SshHost host)
    {
        foreach (var key in new[] { host.Id, WaitingKey(host) })
        {
            if (_slots.TryGetValue(key, out var slot) && Interlocked.Exchange(ref slot.Connection, null) is { } connection)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>True for the exceptions that mean the connection is gone (or never came), not that an operation failed.</summary>
    public static bool IsConnectionFailure(Exception e) =>
        e is SshConnectionException or SocketException or SshOperationTimeoutException or TimeoutException or ProxyException
            or ObjectDisposedException or (IOException and not FileNotFoundException);

    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            slot.Dispose();
        }

        _slots.Clear();
    }

    private async Task<SshConnection> ConnectAsync(SshHost host, bool withSftp, CancellationToken cancellationToken)
    {
        var ownKey = host.IdentityFile == Options.DefaultIdentityFile;
        PrivateKeyFile key;
        try
        {
            if (ownKey)
            {
                SshKeys.EnsureKeyPair(host.IdentityFile);
            }

            key = new PrivateKeyFile(host.IdentityFile);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new SshHostRefusedException($"Cannot read the key for {host.Id}: {host.IdentityFile} ({e.Message}). Set identity_file for the host in the config.", e);
        }
        catch (SshException e)
        {
            throw new SshHostRefusedException($"The key file {host.IdentityFile} for {host.Id} is not a usable private key: {e.Message}", e);
        }

        SshClient? ssh = null;
        SftpClient? sftp = null;
        try
        {
            string? refusal = null;
            ssh = new SshClient(Info(host, key)) { KeepAliveInterval = Options.KeepAliveInterval };
            sftp = withSftp ? new SftpClient(Info(host, key)) { KeepAliveInterval = Options.KeepAliveInterval, OperationTimeout = Options.OperationTimeout, BufferSize = 256 * 1024 } : null;
            void CheckKey(object? sender, HostKeyEventArgs args)
            {
                var problem = knownHosts.Check(host, args.HostKey);
                args.CanTrust = problem is null;
                refusal ??= problem;
            }

            ssh.HostKeyReceived += CheckKey;
            if (sftp is not null)
            {
                sftp.HostKeyReceived += CheckKey;
            }

            try
            {
                await ssh.ConnectAsync(cancellationToken).WaitAsync(Options.ConnectTimeout * 2, cancellationToken).ConfigureAwait(false);
                if (sftp is not null)
                {
                    await sftp.ConnectAsync(cancellationToken).WaitAsync(Options.ConnectTimeout * 2, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (refusal is not null && e is not OperationCanceledException)
            {
                throw new SshHostRefusedException(refusal, e);
            }
            catch (SshAuthenticationException e) when (ownKey)
            {
                throw new SshHostRefusedException(
                    $"{host.Id} refused dstack's own key {host.IdentityFile} ({e.Message}). Add its public key to ~/.ssh/authorized_keys of "
                    + $"{host.User} on the host: {SshKeys.EnsureKeyPair(host.IdentityFile)} "
                    + "(or set identity_file for the host in the config).",
                    e);
            }
            catch (SshAuthenticationException e)
            {
                throw new SshHostRefusedException(
                    $"{host.Id} refused the key {host.IdentityFile} ({e.Message}). Check identity_file and user in the config, "
                    + "and that the key's public half is in the user's authorized_keys on the host.",
                    e);
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                throw new InstanceUnreachableException(host.Id, $"Cannot connect to {host.Id}: {e.Message}", e);
            }

            var connection = new SshConnection(ssh, sftp, key);
            ssh = null;
            sftp = null;
            return connection;
        }
        finally
        {
            if (ssh is not null)
            {
                sftp?.Dispose();
                ssh.Dispose();
                key.Dispose();
            }
        }
    }

    private ConnectionInfo Info(SshHost host, PrivateKeyFile key)
    {
        var info = new ConnectionInfo(host.Address, host.Port, host.User, new PrivateKeyAuthenticationMethod(host.User, key))
        {
            Timeout = Options.ConnectTimeout,
            RetryAttempts = 1,
        };
        PreferHardwareCiphers(info.Encryptions);
        return info;
    }

    /// <summary>
    /// Puts AES-GCM first: the machine's AES instructions decrypt it several times faster than SSH.NET's managed
    /// ChaCha20-Poly1305, which OpenSSH servers would otherwise pick first, and logs and artifacts are bulk data.
    /// </summary>
    private static void PreferHardwareCiphers(IDictionary<string, CipherInfo> ciphers)
    {
        var ordered = ciphers.OrderBy(c => c.Key.StartsWith("aes", StringComparison.Ordinal) && c.Key.EndsWith("-gcm@openssh.com", StringComparison.Ordinal) ? 0 : 1).ToList();
        ciphers.Clear();
        foreach (var (name, cipher) in ordered)
        {
            ciphers.Add(name, cipher);
        }
    }

    /// <summary>Host IDs are <c>user@address:port</c>, so no host's ID ends this way.</summary>
    private static string WaitingKey(SshHost host) => host.Id + " waiting";

    private sealed class Slot : IDisposable
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public SshConnection? Connection;

        public void Dispose()
        {
            Connection?.Dispose();
            Gate.Dispose();
        }
    }
}
