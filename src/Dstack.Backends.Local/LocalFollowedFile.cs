using Dstack.Core.Instances;
using Microsoft.Win32.SafeHandles;

namespace Dstack.Backends.Local;

/// <summary>A file on this machine kept open between reads; positional reads see what was written since.</summary>
internal sealed class LocalFollowedFile(string path) : IFollowedFile
{
    private SafeFileHandle? _handle;

    /// <inheritdoc />
    public async Task<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (_handle is null)
        {
            try
            {
                _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return 0;
            }
        }

        var total = 0;
        int read;
        while (total < buffer.Length && (read = await RandomAccess.ReadAsync(_handle, buffer[total..], offset + total, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _handle?.Dispose();
        return ValueTask.CompletedTask;
    }
}
