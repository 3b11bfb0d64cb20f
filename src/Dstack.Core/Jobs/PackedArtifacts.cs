namespace Dstack.Core.Jobs;

/// <summary>The artifacts of a job packed into one archive on the instance, ready to download through the shell.</summary>
/// <param name="ArchivePath">The .tar.gz on the instance (absolute); entries are relative to the working directory.</param>
/// <param name="Included">The artifact paths that existed and were packed.</param>
/// <param name="Missing">The artifact paths that did not exist (skipped).</param>
public sealed record PackedArtifacts(string ArchivePath, IReadOnlyList<string> Included, IReadOnlyList<string> Missing);
