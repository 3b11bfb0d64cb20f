using System.Text.Json.Serialization;
using Dstack.Core.Artifacts;

namespace Dstack.Core.Jobs;

/// <summary>
/// A synced file of a <c>mount: true</c> artifact: its path, size, hash and modification time as the instance reported
/// it. Checkpoints stored before BLAKE3 carry <paramref name="Sha256"/>, newer ones <paramref name="Blake3"/>; a file
/// listed but not yet stored carries neither.
/// </summary>
public sealed record CheckpointFile(
    string Path,
    long Size,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256,
    string ModifiedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Blake3 = null)
{
    /// <summary>Gets the record of this file as an artifact, to restore it verified.</summary>
    public ArtifactFile ToArtifactFile() =>
        new(Path, Size, Sha256, ModifiedAt: UnixTimes.Parse(ModifiedAt), Blake3: Blake3);
}
