using System.Buffers;

namespace Dstack.Core.Artifacts;

// VSTHRD002/VSTHRD003: _pending is a Task.Run this stream started itself on the thread pool; it never needs a
// SynchronizationContext, so waiting for it cannot deadlock.
#pragma warning disable VSTHRD002, VSTHRD003

/// <summary>
/// A read-only pass-through that hashes (BLAKE3 unless told otherwise) and counts what is read, so a file is read once to store and hash it.
/// Asynchronous reads hash each chunk on the thread pool while the reader writes it and reads the next one (one chunk
/// in flight at most), so hashing overlaps the I/O instead of adding to it. Synchronous reads hash on the calling thread:
/// <see cref="Storage.FileChunkWriter"/> overlaps them with its writes instead. <paramref name="onRead"/> is told the size
/// of each chunk read.
/// </summary>
internal sealed class HashingReadStream(Stream inner, Action<int>? onRead = null, ContentHashAlgorithm algorithm = ContentHashAlgorithm.Blake3) : Stream
{
    private readonly ContentHasher _hash = new(algorithm);
    private Task _pending = Task.CompletedTask;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    /// <summary>Gets the hash of everything read. Call it once, after the last read.</summary>
    public async Task<ContentHash> HashAsync()
    {
        await _pending.ConfigureAwait(false);
        return _hash.Finish();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _pending.GetAwaiter().GetResult(); // keep the chunks in order
        var read = inner.Read(buffer);
        _hash.Append(buffer[..read]);
        BytesRead += read;
        onRead?.Invoke(read);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return 0;
        }

        // The caller reuses its buffer, so the chunk is copied for the hashing task.
        var chunk = ArrayPool<byte>.Shared.Rent(read);
        buffer.Span[..read].CopyTo(chunk);
        await _pending.ConfigureAwait(false);
        _pending = Task.Run(
            () =>
            {
                _hash.Append(chunk.AsSpan(0, read));
                ArrayPool<byte>.Shared.Return(chunk);
            },
            CancellationToken.None);
        BytesRead += read;
        onRead?.Invoke(read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pending.Wait(); // never dispose the hash under a running task
            _hash.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
