using System.Security.Cryptography;
using System.Text;
using Dstack.Core.Artifacts;

namespace Dstack.Core.Tests.Artifacts;

public sealed class ContentHasherTests : IDisposable
{
    /// <summary>5 MiB + 7 bytes of <c>i % 251</c>, as BLAKE3's own test vectors fill their inputs: more than one read chunk.</summary>
    private static readonly byte[] Patterned = [.. Enumerable.Range(0, (5 << 20) + 7).Select(i => (byte)(i % 251))];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Expected values are from the reference implementation (Debian's b3sum 1.2.0), not from this code.
    [Theory]
    [InlineData("", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")]
    [InlineData("abc", "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85")]
    public void Blake3_ShortInputs_AsTheReferenceImplementation(string input, string expected)
    {
        using var hasher = new ContentHasher(ContentHashAlgorithm.Blake3);
        hasher.Append(Encoding.ASCII.GetBytes(input));

        Assert.Equal(new ContentHash(ContentHashAlgorithm.Blake3, expected), hasher.Finish());
    }

    [Fact]
    public void HashFile_Blake3OfALargeFile_AsTheReferenceImplementation()
    {
        var path = _dir.Combine("patterned.bin");
        File.WriteAllBytes(path, Patterned);

        var (hash, size) = ContentHasher.HashFile(path, ContentHashAlgorithm.Blake3, CancellationToken.None);

        Assert.Equal("4ad8fff7183fb6486dc1a2d368d5bd3daa4f8fca845648ec36b78934559989cd", hash.Hex);
        Assert.Equal(Patterned.Length, size);
    }

    [Fact]
    public void HashFile_Sha256_AsSha256OfTheBytes()
    {
        var path = _dir.Combine("patterned.bin");
        File.WriteAllBytes(path, Patterned);

        var (hash, _) = ContentHasher.HashFile(path, ContentHashAlgorithm.Sha256, CancellationToken.None);

        Assert.Equal(new ContentHash(ContentHashAlgorithm.Sha256, Convert.ToHexStringLower(SHA256.HashData(Patterned))), hash);
    }

    [Theory]
    [InlineData(ContentHashAlgorithm.Blake3)]
    [InlineData(ContentHashAlgorithm.Sha256)]
    public void Append_InUnevenPieces_SameAsTheWholeFile(ContentHashAlgorithm algorithm)
    {
        var path = _dir.Combine("patterned.bin");
        File.WriteAllBytes(path, Patterned);
        using var hasher = new ContentHasher(algorithm);
        for (var at = 0; at < Patterned.Length; at += 1_000_003)
        {
            hasher.Append(Patterned.AsSpan(at, Math.Min(1_000_003, Patterned.Length - at)));
        }

        Assert.Equal(ContentHasher.HashFile(path, algorithm, CancellationToken.None).Hash, hasher.Finish());
    }

    [Fact]
    public void FromFields_PrefersBlake3_FallsBackToSha256_RefusesNeither()
    {
        Assert.Equal(new ContentHash(ContentHashAlgorithm.Blake3, "b"), ContentHash.FromFields("s", "b", "f"));
        Assert.Equal(new ContentHash(ContentHashAlgorithm.Sha256, "s"), ContentHash.FromFields("s", null, "f"));
        var error = Assert.Throws<ArtifactIntegrityException>(() => ContentHash.FromFields(null, null, "out/model.bin"));
        Assert.Contains("out/model.bin", error.Message, StringComparison.Ordinal);
    }
}
