namespace Dstack.Core.Instances;

/// <summary>
/// A file on a machine read again and again while another process writes it (a job's log, its exit code). On a remote
/// machine it stays open between reads, so a look at a file that did not grow is one request, not an open, a stat, a
/// read and a close.
/// </summary>
public interface IFollowedFile : IAsyncDisposable
{
    /// <summary>
    /// Reads bytes from <paramref name="offset"/> into <paramref name="buffer"/> (as many as there are, up to its length);
    /// returns 0 at the file's end, or while it does not exist.
    /// </summary>
    Task<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);
}
