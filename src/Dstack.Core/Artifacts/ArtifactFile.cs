using System.Text.Json.Serialization;

namespace Dstack.Core.Artifacts;

/// <summary>
/// One stored artifact file: its path relative to the job's working directory, size, hash, whether it is executable,
/// and its modification time (null in lists written before times were kept), which downloads restore. The hash is in
/// the field named after its algorithm: <paramref name="Blake3"/> for what the worker hashed, <paramref name="Sha256"/>
/// for lists written before BLAKE3 and for files an instance hashed itself with <c>sha256sum</c>.
/// </summary>
public sealed record ArtifactFile(
    string Path,
    long Size,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256,
    bool Executable = false,
    DateTimeOffset? ModifiedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Blake3 = null)
{
    /// <summary>Gets the hash that a download of this file is checked against.</summary>
    [JsonIgnore]
    public ContentHash Hash => ContentHash.FromFields(Sha256, Blake3, Path);

    /// <summary>Creates the record of a file with <paramref name="hash"/> in its algorithm's field.</summary>
    public static ArtifactFile Hashed(string path, long size, ContentHash hash, bool executable = false, DateTimeOffset? modifiedAt = null) =>
        new(path, size, hash.Sha256, executable, modifiedAt, hash.Blake3);
}
