namespace Dstack.Core.Artifacts;

/// <summary>
/// What downloading artifacts into a folder would do to it, file by file: <paramref name="Missing"/> files are not there
/// yet, <paramref name="Same"/> files are there with the recorded size and sha256 (nothing to write), and
/// <paramref name="Different"/> files are there with other content (or something else is in their place): writing
/// those would lose what is there.
/// </summary>
public sealed record ArtifactDownloadPlan(IReadOnlyList<ArtifactFile> Missing, IReadOnlyList<ArtifactFile> Same, IReadOnlyList<ArtifactFile> Different)
{
    /// <summary>The files to write: the missing ones, and the different ones too when <paramref name="overwrite"/>.</summary>
    public IReadOnlyList<ArtifactFile> ToWrite(bool overwrite) =>
        overwrite ? [.. Missing.Concat(Different).OrderBy(f => f.Path, StringComparer.Ordinal)] : Missing;
}
