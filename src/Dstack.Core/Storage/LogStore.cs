using System.Globalization;

namespace Dstack.Core.Storage;

/// <summary>
/// A job's log in storage as append-only chunks, each named by the offset of its first byte. A chunk may be written
/// again after a worker crash and then overlap later chunks; readers emit each byte offset once.
/// </summary>
public sealed class LogStore
{
    private readonly IStorage _storage;

    /// <summary>Creates a log store over <paramref name="storage"/>.</summary>
    public LogStore(IStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
    }

    /// <summary>Stores <paramref name="data"/> as the log bytes starting at <paramref name="offset"/>.</summary>
    public async Task AppendAsync(string run, string job, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (data.IsEmpty)
        {
            return;
        }

        var stream = new MemoryStream(data.ToArray(), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await _storage.PutAsync(StorageLayout.LogChunk(run, job, offset), stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the log from <paramref name="fromOffset"/> up to its end or up to the first missing byte, whichever comes first.
    /// </summary>
    /// <returns>The bytes, and the offset to read from next time.</returns>
    public async Task<(byte[] Data, long NextOffset)> ReadAsync(string run, string job, long fromOffset, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        var prefix = StorageLayout.LogPrefix(run, job);
        var chunks = (await _storage.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            .Select(o => (Object: o, Start: ParseOffset(o.Key, prefix)))
            .Where(c => c.Start >= 0)
            .OrderBy(c => c.Start);

        using var output = new MemoryStream();
        var position = fromOffset;
        foreach (var (chunk, start) in chunks)
        {
            if (start + chunk.Size <= position)
            {
                continue; // already emitted (or before the offset asked for): a rewritten chunk overlaps
            }

            if (start > position)
            {
                break; // a gap: the bytes in between are not stored yet
            }

            var stream = await _storage.OpenReadAsync(chunk.Key, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                break; // deleted since the listing
            }

            byte[] bytes;
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                bytes = buffer.ToArray();
            }

            var skip = (int)(position - start);
            if (skip >= bytes.Length)
            {
                continue; // the chunk was replaced by a shorter one since the listing
            }

            await output.WriteAsync(bytes.AsMemory(skip), cancellationToken).ConfigureAwait(false);
            position = start + bytes.Length;
        }

        return (output.ToArray(), position);
    }

    /// <summary>Gets the offset where the stored log of the job ends (0 when nothing is stored), from the chunk listing alone.</summary>
    public Task<long> EndOffsetAsync(string run, string job, CancellationToken cancellationToken = default) =>
        FindOffsetSinceAsync(run, job, DateTimeOffset.MaxValue, cancellationToken);

    /// <summary>
    /// Finds where the output written at or after <paramref name="since"/> begins. Output has no per-line timestamps;
    /// each chunk's write time stands for its bytes, so the answer is exact to a chunk (what the worker stored in one
    /// read of the job's output, a few tens of milliseconds of it).
    /// </summary>
    /// <returns>The offset of the first chunk written at or after <paramref name="since"/>, or the end of the output.</returns>
    public async Task<long> FindOffsetSinceAsync(string run, string job, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var prefix = StorageLayout.LogPrefix(run, job);
        var chunks = (await _storage.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            .Select(o => (Object: o, Start: ParseOffset(o.Key, prefix)))
            .Where(c => c.Start >= 0)
            .OrderBy(c => c.Start)
            .ToList();
        var first = chunks.FirstOrDefault(c => c.Object.LastModified >= since);
        return first.Object is not null ? first.Start : chunks.Select(c => c.Start + c.Object.Size).DefaultIfEmpty(0).Max();
    }

    private static long ParseOffset(string key, string prefix)
    {
        var name = key[prefix.Length..];
        return name.EndsWith(".log", StringComparison.Ordinal)
            && long.TryParse(name[..^4], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : -1;
    }
}
