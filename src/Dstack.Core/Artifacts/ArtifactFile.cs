namespace Dstack.Core.Artifacts;

/// <summary>One stored artifact file: its path relative to the job's working directory, size, sha256 (hex), and whether it is executable.</summary>
public sealed record ArtifactFile(string Path, long Size, string Sha256, bool Executable = false);
