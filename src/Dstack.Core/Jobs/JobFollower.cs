using System.Globalization;
using System.Text;
using Dstack.Core.Instances;

namespace Dstack.Core.Jobs;

/// <summary>
/// Follows a started job: its output and its exit code, each file kept open between looks (<see cref="IFollowedFile"/>),
/// so that a look at a silent job on a remote host is two small SFTP requests. Made by <see cref="JobRunner.Follow"/>.
/// </summary>
public sealed class JobFollower : IAsyncDisposable
{
    /// <summary>
    /// Followers look often, mostly finding nothing new: the buffer starts under the large-object heap's threshold and grows
    /// only while output keeps coming.
    /// </summary>
    private const int FirstReadBytes = 64 * 1024;

    private readonly IFollowedFile _log;
    private readonly IFollowedFile _exit;

    internal JobFollower(IFollowedFile log, IFollowedFile exit)
    {
        _log = log;
        _exit = exit;
    }

    /// <summary>Reads up to <paramref name="maxBytes"/> bytes of the job's output from <paramref name="offset"/>.</summary>
    /// <returns>The bytes; empty at the end of the output so far.</returns>
    public async Task<ReadOnlyMemory<byte>> ReadOutputAsync(long offset, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var buffer = new byte[Math.Min(maxBytes, FirstReadBytes)];
        var total = 0;
        while (true)
        {
            var read = await _log.ReadAsync(offset + total, buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            total += read;
            if (read == 0 || total < buffer.Length || buffer.Length == maxBytes)
            {
                return buffer.AsMemory(0, total);
            }

            Array.Resize(ref buffer, (int)Math.Min(maxBytes, buffer.Length * 4L));
        }
    }

    /// <summary>Gets the job's exit code, or null while it has not ended (or was never started).</summary>
    public async Task<int?> GetExitCodeAsync(CancellationToken cancellationToken = default)
    {
        var buffer = new byte[32];
        var read = await _exit.ReadAsync(0, buffer, cancellationToken).ConfigureAwait(false);
        return read > 0 && int.TryParse(Encoding.ASCII.GetString(buffer, 0, read).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code)
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
