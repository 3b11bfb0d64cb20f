namespace Dstack.Core.Artifacts;

/// <summary>The hash recorded for a stored file; a download is checked with the one its record names.</summary>
public enum ContentHashAlgorithm
{
    /// <summary>sha256: files stored before BLAKE3, and the files an instance hashes itself with <c>sha256sum</c>.</summary>
    Sha256,

    /// <summary>
    /// BLAKE3: every file the worker or the CLI hashes. Several times faster than sha256 on one core, so a large file is
    /// hashed while the kernel copies it instead of after.
    /// </summary>
    Blake3,
}
