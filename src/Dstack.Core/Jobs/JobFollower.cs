using System.Globalization;
using System.Text;
using Dstack.Core.Instances;

namespace Dstack.Core.Jobs;

/// <summary>
/// Follows a started job: its output and its exit code, each file kept open between looks (<see cref="IFollowedFile"/>),
/// so that a look at a silent job on a remote host is two small SFTP requests. Made by <see cref="JobRunner.Follow"/>; one
/// caller at a time.
/// </summary>
public sealed class JobFollower : IAsyncDisposable
{
    /// <summary>
    /// Followers look often, mostly finding nothing new: the buffer starts under the large-object heap's threshold and grows
    /// only while output keeps coming.
    /// </summary>
    private const int FirstReadBytes = 64 * 1024;

    private readonly IInstanceShell _shell;
    private readonly IFollowedFile _log;
    private readonly IFollowedFile _exit;
    private readonly string _lockPath;
    private readonly byte[] _exitBuffer = new byte[32];
    private byte[]? _buffer;

    internal JobFollower(IInstanceShell shell, IFollowedFile log, IFollowedFile exit, string lockPath)
    {
        _shell = shell;
        _log = log;
        _exit = exit;
        _lockPath = lockPath;
    }

    /// <summary>
    /// Waits, at most <paramref name="timeout"/>, for the job's wrapper to let go of its lock, which it does once the exit
    /// code is written. <see cref="LockWait.Unlocked"/> for a job started by a dstack before the lock means nothing: the
    /// exit code tells.
    /// </summary>
    public Task<LockWait> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _shell.WaitForUnlockAsync(_lockPath, timeout, cancellationToken);

    /// <summary>Reads up to <paramref name="maxBytes"/> bytes of the job's output from <paramref name="offset"/>.</summary>
    /// <returns>The bytes; empty at the end of the output so far.</returns>
    public async Task<ReadOnlyMemory<byte>> ReadOutputAsync(long offset, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);

        // One buffer for every look, and a copy only of what came: most looks find nothing and allocate nothing.
        if (_buffer is null || _buffer.Length > maxBytes)
        {
            _buffer = new byte[Math.Min(maxBytes, FirstReadBytes)];
        }

        var total = 0;
        while (true)
        {
            var read = await _log.ReadAsync(offset + total, _buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            total += read;
            if (read == 0 || total < _buffer.Length || _buffer.Length == maxBytes)
            {
                return total == 0 ? ReadOnlyMemory<byte>.Empty : _buffer.AsSpan(0, total).ToArray();
            }

            Array.Resize(ref _buffer, (int)Math.Min(maxBytes, _buffer.Length * 4L));
        }
    }

    /// <summary>Gets the job's exit code, or null while it has not ended (or was never started).</summary>
    public async Task<int?> GetExitCodeAsync(CancellationToken cancellationToken = default)
    {
        var read = await _exit.ReadAsync(0, _exitBuffer, cancellationToken).ConfigureAwait(false);
        return read > 0 && int.TryParse(Encoding.ASCII.GetString(_exitBuffer, 0, read).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code)
            ? code
            : null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _log.DisposeAsync().ConfigureAwait(false);
        await _exit.DisposeAsync().ConfigureAwait(false);
    }
}
