using System.Text;
using Dstack.Core.Instances;
using Polly;
using Polly.Retry;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Dstack.Backends.Ssh;

/// <summary>
/// A remote host as an instance: scripts run in <c>bash -s</c> over SSH (the script on standard input, never on a command
/// line), files move over SFTP. Connections come from the pool and are shared; a lost one becomes an
/// <see cref="InstanceUnreachableException"/> and the next call reconnects.
/// </summary>
internal sealed class SshShell : IInstanceShell
{
    /// <summary>
    /// The first line of every script: when bash exits, it reads what the script left unread, keeping the script's exit
    /// status. A builtin loop, so no process is started for it.
    /// </summary>
    private const string DrainOnExit = "trap 'while read -r _; do :; done' EXIT\n";

    /// <summary>Opening a channel again after the host refused one: 20 ms, 40 ms... up to 1 s apart, until the command's own deadline.</summary>
    private static readonly ResiliencePipeline ChannelRefusedRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<SshException>(e => e.GetType() == typeof(SshException) && e.Message.StartsWith("Failed to open a channel", StringComparison.Ordinal)),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromSeconds(1),
        })
        .Build();

    private readonly SshConnectionPool _pool;
    private readonly SshHost _host;

    private SshShell(SshConnectionPool pool, SshHost host, string dstackDirectory)
    {
        _pool = pool;
        _host = host;
        DstackDirectory = dstackDirectory;
    }

    /// <inheritdoc />
    public string DstackDirectory { get; }

    /// <summary>
    /// Opens a shell on <paramref name="host"/>: connects, and creates and resolves its dstack folder once per connection
    /// (every activity opens a shell, and the folder does not move while the connection lives).
    /// </summary>
    public static async Task<SshShell> OpenAsync(SshConnectionPool pool, SshHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(host);
        var connection = await pool.GetAsync(host, cancellationToken).ConfigureAwait(false);
        if (connection.DstackDirectories.TryGetValue(host.DstackDirectory, out var known))
        {
            return new SshShell(pool, host, known);
        }

        var probe = new SshShell(pool, host, "/");

        // '~' is the remote user's home, known only on the host.
        var result = await probe.RunAsync(
            $$"""
            d={{ShellQuoting.Quote(host.DstackDirectory)}}
            case "$d" in "~") d="$HOME" ;; "~/"*) d="$HOME/${d#"~/"}" ;; esac
            mkdir -p "$d" && cd "$d" && pwd -P
            """,
            cancellationToken).ConfigureAwait(false);
        var directory = result.Stdout.Trim();
        if (!result.Succeeded || !directory.StartsWith('/'))
        {
            throw new SshHostRefusedException($"Cannot create the dstack folder {host.DstackDirectory} on {host.Id}: {result.Stderr.Trim()}");
        }

        connection.DstackDirectories[host.DstackDirectory] = directory;
        return new SshShell(pool, host, directory);
    }

    /// <inheritdoc />
    public Task<ShellResult> RunAsync(string script, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        return GuardAsync(
            "running a script",
            _pool.Options.CommandTimeout,
            async (connection, token) =>
            {
                // Like the local shell, scripts start in the dstack folder; the script itself travels on standard input.
                // A script that exits before bash read all of it ('exit', or a failure under 'set -e') must not close the
                // channel before our end of file arrives: sshd drops the whole connection for an end of file on a channel
                // it already freed. So bash reads the input to its end before it exits (DrainOnExit).
                await connection.Sessions.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    var (command, execute) = await ChannelRefusedRetry.ExecuteAsync(
                        _ => ValueTask.FromResult(StartCommand(connection, token)),
                        token).ConfigureAwait(false);
                    using var started = command;
                    var input = command.CreateInputStream();
                    await using (input.ConfigureAwait(false))
                    {
                        await input.WriteAsync(Encoding.UTF8.GetBytes(DrainOnExit + script), token).ConfigureAwait(false);
                    }

                    await execute.ConfigureAwait(false);

                    // No exit status means the script died of a signal; report it as bash would (128 + n is unknown here).
                    return new ShellResult(command.ExitStatus ?? 255, command.Result, command.Error);
                }
                finally
                {
                    connection.Sessions.Release();
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Opens a channel and starts the script runner on it. A refused channel (the host's <c>MaxSessions</c> reached, or a
    /// session the host has not freed yet) ran nothing, so <see cref="ChannelRefusedRetry"/> can try again.
    /// </summary>
    private (SshCommand Command, Task Execute) StartCommand(SshConnection connection, CancellationToken cancellationToken)
    {
        // The folder was made when the connection was opened; one removed since (by hand) is made again.
        var folder = ShellQuoting.Quote(DstackDirectory);
        var command = connection.Ssh.CreateCommand($"cd {folder} 2>/dev/null || {{ mkdir -p {folder} && cd {folder}; }} && exec bash -s", Encoding.UTF8);
        try
        {
            return (command, command.ExecuteAsync(cancellationToken));
        }
        catch (Exception)
        {
            command.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// All of it over SFTP (folders, the file, the rename): a job's start uploads several files, and a command per step
    /// would start processes on the host for each.
    /// </remarks>
    public async Task UploadAsync(Stream content, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var folder = path.LastIndexOf('/') is > 0 and var slash ? path[..slash] : "/";
        var temp = $"{folder}/.{path[(folder.Length + 1)..]}.{Guid.NewGuid():N}.tmp";

        // Through a temporary file and a rename, so that the host never sees a partial file.
        try
        {
            await GuardAsync(
                $"uploading {path}",
                _pool.Options.CommandTimeout,
                async (connection, token) =>
                {
                    await CreateFolderAsync(connection.Sftp, folder, token).ConfigureAwait(false);
                    await connection.Sftp.UploadFileAsync(content, temp, token).ConfigureAwait(false);

                    // OpenSSH's posix-rename replaces an existing file, as 'mv -f' does; the plain SFTP rename refuses to.
#pragma warning disable VSTHRD103 // RenameFileAsync has no POSIX form; this is one short request.
                    connection.Sftp.RenameFile(temp, path, isPosix: true);
#pragma warning restore VSTHRD103
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await RemoveQuietlyAsync(temp).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates <paramref name="folder"/> and its missing parents, as <c>mkdir -p</c>.</summary>
    private async Task CreateFolderAsync(SftpClient sftp, string folder, CancellationToken cancellationToken)
    {
        if (folder == "/" || await sftp.ExistsAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await CreateFolderAsync(sftp, folder.LastIndexOf('/') is > 0 and var slash ? folder[..slash] : "/", cancellationToken).ConfigureAwait(false);
        try
        {
            await sftp.CreateDirectoryAsync(folder, cancellationToken).ConfigureAwait(false);
        }
        catch (SshException e) when (e is not SshConnectionException)
        {
            // Another upload may have made it meanwhile; otherwise the host refuses it (permissions, a file in the way).
            if (!await sftp.ExistsAsync(folder, cancellationToken).ConfigureAwait(false))
            {
                throw new SshHostRefusedException($"Cannot create {folder} on {_host.Id}: {e.Message}", e);
            }
        }
    }

    /// <summary>Removes a leftover of a failed step if the host still answers; the original failure is what the caller reports.</summary>
    private async Task RemoveQuietlyAsync(string path)
    {
        using var timeout = new CancellationTokenSource(_pool.Options.OperationTimeout);
        try
        {
            await RunAsync($"rm -f {ShellQuoting.Quote(path)}", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InstanceUnreachableException or OperationCanceledException or SshException or IOException)
        {
            // The host is gone or busy; the job folder's clean-up (or the machine's release) takes the file with it.
        }
    }

    /// <inheritdoc />
    public Task DownloadAsync(string path, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return GuardAsync(
            $"downloading {path}",
            _pool.Options.CommandTimeout,
            async (connection, token) =>
            {
                try
                {
                    await connection.Sftp.DownloadFileAsync(path, destination, token).ConfigureAwait(false);
                }
                catch (SftpPathNotFoundException e)
                {
                    throw new FileNotFoundException($"{path} does not exist on {_host.Id}.", path, e);
                }

                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> ReadAsync(string path, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await using var file = Follow(path);
        return await file.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IFollowedFile Follow(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new SftpFollowedFile(this, path, _pool.Options.OperationTimeout);
    }

    /// <inheritdoc />
    /// <remarks>
    /// On the host's waiting connection (<see cref="SshConnectionPool.GetWaitingAsync"/>), never waiting for a session
    /// there: with every one taken (more jobs on the host than sessions) the caller looks as before.
    /// </remarks>
    public async Task<LockWait> WaitForUnlockAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SshConnection connection;
        try
        {
            connection = await _pool.GetWaitingAsync(_host, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InstanceUnreachableException or SshHostRefusedException)
        {
            return LockWait.Unavailable;
        }

        if (!await connection.Sessions.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            return LockWait.Unavailable;
        }

        // The command's own limit, with room for the host's answer: a link that died under the wait is dropped, not awaited.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout + _pool.Options.OperationTimeout);
        try
        {
            using var command = connection.Ssh.CreateCommand(LockWaitCommand.CommandLine(path, timeout), Encoding.UTF8);
            await command.ExecuteAsync(limit.Token).ConfigureAwait(false);
            return LockWaitCommand.Result(command.ExitStatus ?? 255);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _pool.Invalidate(_host, connection);
            return LockWait.Unavailable;
        }
        catch (Exception e) when (SshConnectionPool.IsConnectionFailure(e))
        {
            _pool.Invalidate(_host, connection);
            return LockWait.Unavailable;
        }
        catch (SshException)
        {
            // The host refused the channel: it ran nothing.
            return LockWait.Unavailable;
        }
        finally
        {
            connection.Sessions.Release();
        }
    }

    /// <summary>
    /// Forwards a free local port to <paramref name="remotePort"/> on <paramref name="remoteHost"/> as the host sees it
    /// (its loopback by default), over a connection of its own (see <see cref="SshPortForward"/>).
    /// </summary>
    public Task<SshPortForward> ForwardLocalPortAsync(int remotePort, string remoteHost = "127.0.0.1", CancellationToken cancellationToken = default) =>
        SshPortForward.StartAsync(_pool, _host, remoteHost, remotePort, cancellationToken);

    /// <summary>The pool owns the connections; a shell holds nothing of its own.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Runs <paramref name="operation"/> on the host's connection within <paramref name="timeout"/>. A connection that fails or
    /// stalls is dropped (the next call reconnects) and reported as unreachable; a stalled SSH.NET call is abandoned, since
    /// a dead link is only noticed by TCP after many minutes.
    /// </summary>
    internal async Task<T> GuardAsync<T>(string what, TimeSpan timeout, Func<SshConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        var connection = await _pool.GetAsync(_host, cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await operation(connection, limit.Token).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            _pool.Invalidate(_host, connection);
            throw new InstanceUnreachableException(_host.Id, $"{_host.Id} did not answer within {timeout.TotalSeconds:0.#} s while {what}.", e);
        }
        catch (Exception e) when (e is not OperationCanceledException && SshConnectionPool.IsConnectionFailure(e))
        {
            _pool.Invalidate(_host, connection);
            throw new InstanceUnreachableException(_host.Id, $"Lost the connection to {_host.Id} while {what}: {e.Message}", e);
        }
    }
}
