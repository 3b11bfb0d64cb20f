namespace Dstack.Core.Artifacts;

/// <summary>Every artifact file of a job (<c>runs/&lt;run&gt;/artifacts/&lt;job&gt;/index.json</c>).</summary>
public sealed record ArtifactIndex(IReadOnlyList<string> Paths, IReadOnlyList<ArtifactFile> Files)
{
    public static ArtifactIndex Empty { get; } = new([], []);

    public long TotalBytes => Files.Sum(f => f.Size);
}
