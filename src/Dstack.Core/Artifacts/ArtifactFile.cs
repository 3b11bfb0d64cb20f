namespace Dstack.Core.Artifacts;

/// <summary>One stored artifact file: its path relative to the job's working directory, size and sha256 (hex).</summary>
public sealed record ArtifactFile(string Path, long Size, string Sha256);
