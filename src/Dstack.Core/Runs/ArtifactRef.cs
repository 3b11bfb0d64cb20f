namespace Dstack.Core.Runs;

/// <summary>An output folder of a job, relative to the job's working directory.</summary>
public sealed record ArtifactRef(string Path, bool Mount);
