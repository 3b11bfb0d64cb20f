namespace Dstack.Core.Tags;

/// <summary>A tag in storage (<c>tags/&lt;tag&gt;.json</c>): a name for the artifacts of one run, or of an uploaded data set.</summary>
/// <param name="Name">The tag.</param>
/// <param name="Run">The run whose artifacts the tag names (for an upload, the data set's own run name).</param>
/// <param name="CreatedAt">When the tag was written.</param>
/// <param name="Source"><c>run</c> for a run's artifacts, <c>upload</c> for local folders uploaded with <c>dstack tags add -a</c>.</param>
public sealed record TagRecord(string Name, string Run, DateTimeOffset CreatedAt, string Source)
{
    /// <summary>The source of a tag that names a run's artifacts.</summary>
    public const string RunSource = "run";

    /// <summary>The source of a tag that names uploaded local folders.</summary>
    public const string UploadSource = "upload";
}
