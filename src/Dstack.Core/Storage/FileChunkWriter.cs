using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Dstack.Core.Storage;

/// <summary>
/// Writes a stream into a file in large chunks, reading (and, through a hashing stream, hashing) the next chunk while
/// the previous one is being written.
/// </summary>
/// <remarks>
/// The content is read synchronously. Most callers pass files or memory, and Linux has no asynchronous file I/O anyway
/// (.NET runs each asynchronous read or write as a blocking call on the thread pool). Handing every chunk to another
/// thread and back costs a scheduler wake-up each time, which on a busy machine costs more than the copy itself, so a
/// file that fits in one chunk is read, hashed and written on the calling thread with no hand-off at all, and a larger
/// one hands over one write per chunk. A network stream (an artifact downloaded from S3 into a local file) blocks a
/// thread-pool thread while it waits, one per transfer in flight.
/// </remarks>
internal static class FileChunkWriter
{
    /// <summary>The chunk size: large enough that hand-offs are rare, small enough for two to stay in the CPU cache.</summary>
    internal const int ChunkSize = 4 << 20;

    /// <summary>Writes all of <paramref name="content"/> into <paramref name="file"/> from offset 0 and returns the bytes written.</summary>
    public static async Task<long> WriteAsync(Stream content, SafeFileHandle file, CancellationToken cancellationToken)
    {
        var current = ArrayPool<byte>.Shared.Rent(ChunkSize);
        byte[]? next = null; // only content larger than a chunk needs a second buffer
        long offset = 0;
        try
        {
            var filled = Fill(content, current);
            while (filled > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (filled < ChunkSize)
                {
                    // The content ended within this chunk: nothing left to read while writing it.
                    RandomAccess.Write(file, current.AsSpan(0, filled), offset);
                    offset += filled;
                    break;
                }

                var chunk = current;
                var at = offset;
                var writing = Task.Run(() => RandomAccess.Write(file, chunk.AsSpan(0, ChunkSize), at), CancellationToken.None);
                try
                {
                    next ??= ArrayPool<byte>.Shared.Rent(ChunkSize);
                    filled = Fill(content, next);
                }
                finally
                {
                    // The buffer must not be reused or returned while it is being written.
                    await writing.ConfigureAwait(false);
                }

                offset += ChunkSize;
                (current, next) = (next!, current);
            }

            return offset;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            if (next is not null)
            {
                ArrayPool<byte>.Shared.Return(next);
            }
        }
    }

    /// <summary>Reads until <paramref name="buffer"/>'s first <see cref="ChunkSize"/> bytes are full or the content ends.</summary>
    private static int Fill(Stream content, byte[] buffer)
    {
        var filled = 0;
        int read;
        while (filled < ChunkSize && (read = content.Read(buffer, filled, ChunkSize - filled)) > 0)
        {
            filled += read;
        }

        return filled;
    }
}
