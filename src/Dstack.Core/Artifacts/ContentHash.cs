namespace Dstack.Core.Artifacts;

/// <summary>A file's hash: the algorithm and the digest in lower-case hex.</summary>
public readonly record struct ContentHash(ContentHashAlgorithm Algorithm, string Hex)
{
    /// <summary>
    /// Reads the hash of a record that keeps one field per algorithm (as artifact and checkpoint lists do, so that lists
    /// written before BLAKE3 still read): BLAKE3 when it is there, else sha256.
    /// </summary>
    /// <exception cref="ArtifactIntegrityException">The record has neither (a list edited by hand): it cannot be verified.</exception>
    public static ContentHash FromFields(string? sha256, string? blake3, string path) =>
        !string.IsNullOrEmpty(blake3) ? new(ContentHashAlgorithm.Blake3, blake3)
        : !string.IsNullOrEmpty(sha256) ? new(ContentHashAlgorithm.Sha256, sha256)
        : throw new ArtifactIntegrityException($"the stored record of '{path}' has no hash (neither blake3 nor sha256), so it cannot be verified; run the workflow again.");

    /// <summary>Gets the hex digest when it is a sha256, else null: the value of a record's <c>sha256</c> field.</summary>
    public string? Sha256 => Algorithm == ContentHashAlgorithm.Sha256 ? Hex : null;

    /// <summary>Gets the hex digest when it is a BLAKE3, else null: the value of a record's <c>blake3</c> field.</summary>
    public string? Blake3 => Algorithm == ContentHashAlgorithm.Blake3 ? Hex : null;

    /// <summary>Returns e.g. <c>blake3 9f86d0…</c>, for messages.</summary>
    public override string ToString() => $"{Algorithm.ToString().ToLowerInvariant()} {Hex}";
}
