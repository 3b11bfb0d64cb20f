namespace Dstack.Core.Settings;

/// <summary>Where dstack keeps its files (<c>storage.type</c>, written <c>local</c> or <c>s3</c>).</summary>
public enum StorageType
{
    /// <summary>A folder on this machine (<c>local</c>).</summary>
    Local,

    /// <summary>An S3 bucket, or an S3-compatible service's (<c>s3</c>).</summary>
    S3,
}
