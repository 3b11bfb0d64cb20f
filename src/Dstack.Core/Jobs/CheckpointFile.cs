namespace Dstack.Core.Jobs;

/// <summary>A synced file of a <c>mount: true</c> artifact: its path, size, sha256 and modification time as the instance reported it.</summary>
public sealed record CheckpointFile(string Path, long Size, string Sha256, string ModifiedAt);
