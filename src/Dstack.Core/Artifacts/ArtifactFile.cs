namespace Dstack.Core.Artifacts;

/// <summary>
/// One stored artifact file: its path relative to the job's working directory, size, sha256 (hex), whether it is
/// executable, and its modification time (null in lists written before times were kept), which downloads restore.
/// </summary>
public sealed record ArtifactFile(string Path, long Size, string Sha256, bool Executable = false, DateTimeOffset? ModifiedAt = null);
