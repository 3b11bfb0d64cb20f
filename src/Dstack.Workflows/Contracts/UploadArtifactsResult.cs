namespace Dstack.Workflows.Contracts;

/// <summary>The artifact paths uploaded, and their total size.</summary>
public sealed record UploadArtifactsResult(IReadOnlyList<string> Paths, long Bytes, int Files);
