using System.Buffers;
using System.Security.Cryptography;

namespace Dstack.Core.Artifacts;

/// <summary>An incremental <see cref="ContentHash"/> of bytes appended in order.</summary>
internal sealed class ContentHasher : IDisposable
{
    /// <summary>How much of a file <see cref="HashFile"/> reads at a time.</summary>
    private const int ChunkSize = 4 << 20;

    private readonly IncrementalHash? _sha256;
    private readonly Blake3.Hasher? _blake3;

    public ContentHasher(ContentHashAlgorithm algorithm)
    {
        Algorithm = algorithm;
        if (algorithm == ContentHashAlgorithm.Sha256)
        {
            _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
        else
        {
            _blake3 = Blake3.Hasher.New();
        }
    }

    public ContentHashAlgorithm Algorithm { get; }

    /// <summary>Hashes the file at <paramref name="path"/> and returns the hash and the bytes read.</summary>
    public static (ContentHash Hash, long Size) HashFile(string path, ContentHashAlgorithm algorithm, CancellationToken cancellationToken)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var hasher = new ContentHasher(algorithm);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(file, buffer.AsSpan(0, ChunkSize), offset)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hasher.Append(buffer.AsSpan(0, read));
                offset += read;
            }

            return (hasher.Finish(), offset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_sha256 is not null)
        {
            _sha256.AppendData(data);
        }
        else
        {
            _blake3!.Update(data); // one of the two is set by the constructor
        }
    }

    /// <summary>Returns the hash of everything appended. Call it once.</summary>
    public ContentHash Finish() => new(
        Algorithm,
        _sha256 is not null ? Convert.ToHexStringLower(_sha256.GetHashAndReset()) : _blake3!.Finalize().ToString());

    public void Dispose()
    {
        _sha256?.Dispose();
        _blake3?.Dispose();
    }
}
