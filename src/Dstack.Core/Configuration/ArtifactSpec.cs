namespace Dstack.Core.Configuration;

/// <summary>An output folder saved after the run.</summary>
/// <param name="Path">The folder, relative to the working directory (may contain templates).</param>
/// <param name="Mount">Whether the folder is synced in real time while the job runs (and restored on resume).</param>
public sealed record ArtifactSpec(TemplateString Path, bool Mount);
