using Dstack.Core.Instances;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace Dstack.Backends.Ssh;

/// <summary>
/// A file on a host kept open over SFTP between reads: a read is one request (SSH.NET starts a new reader after the end
/// of a file, so what was written since is seen). Opened again on the pool's next connection after one was lost, and
/// again after any failed read, since a read abandoned at its deadline may still be using the old handle.
/// </summary>
internal sealed class SftpFollowedFile(SshShell shell, string path, TimeSpan timeout) : IFollowedFile
{
    private SshConnection? _connection;
    private SftpFileStream? _file;

    /// <inheritdoc />
    public async Task<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        try
        {
            return await shell.GuardAsync($"reading {path}", timeout, (connection, token) => ReadAsync(connection, offset, buffer, token), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await CloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<int> ReadAsync(SshConnection connection, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_file is null || _connection != connection)
        {
            await CloseAsync().ConfigureAwait(false);
            try
            {
                _file = await connection.Sftp.OpenAsync(path, FileMode.Open, FileAccess.Read, cancellationToken).ConfigureAwait(false);
                _connection = connection;
            }
            catch (SftpPathNotFoundException)
            {
                return 0;
            }
        }

        _file.Seek(offset, SeekOrigin.Begin);
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await _file.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    private async Task CloseAsync()
    {
        var file = _file;
        _file = null;
        _connection = null;
        if (file is null)
        {
            return;
        }

        try
        {
            // Bounded: a host that stopped answering would keep the close waiting as long as the connection lives.
            await file.DisposeAsync().AsTask().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or InvalidOperationException or IOException or TimeoutException)
        {
            // The handle went with its connection, or goes when the host ends the session.
        }
    }
}
