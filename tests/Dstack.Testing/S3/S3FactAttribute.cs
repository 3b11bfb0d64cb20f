namespace Dstack.Testing.S3;

/// <summary>A test that needs a real s3rver: skipped, saying why, where node or s3rver is missing (CI installs both).</summary>
public sealed class S3FactAttribute : FactAttribute
{
    public S3FactAttribute()
    {
        if (S3rver.Unavailable() is { } reason)
        {
            Skip = reason;
        }
    }
}
