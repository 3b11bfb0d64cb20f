namespace Dstack.Backends.Aws.Storage;

/// <summary>Where <see cref="S3Storage"/> keeps objects and how it moves them.</summary>
public sealed record S3StorageOptions
{
    /// <summary>The smallest part S3 accepts in a multipart upload (all but the last part).</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>Gets the bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>Gets the key prefix in the bucket (no leading or trailing '/' needed). <value>The default value is none.</value></summary>
    public string? Prefix { get; init; }

    /// <summary>Gets the region. <value>The default value is the AWS SDK's (AWS_REGION, the profile), or us-east-1 with an <see cref="Endpoint"/>.</value></summary>
    public string? Region { get; init; }

    /// <summary>Gets an S3-compatible endpoint such as <c>http://127.0.0.1:4569</c>; path-style addressing is used with it.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Gets the size of the parts of a multipart transfer; objects up to this size move in one request. <value>The default value is 8 MiB.</value></summary>
    public int PartSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>Gets how many parts of one object move at once. <value>The default value is 8.</value></summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Gets how long the SDK waits for one request. <value>The default value is 5 minutes.</value></summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets a description such as <c>s3://bucket/prefix</c>.</summary>
    public string Location => string.IsNullOrEmpty(NormalizedPrefix) ? $"s3://{Bucket}" : $"s3://{Bucket}/{NormalizedPrefix.TrimEnd('/')}";

    /// <summary>Gets the prefix with a trailing '/' (empty when there is none).</summary>
    internal string NormalizedPrefix => Prefix?.Trim('/') is { Length: > 0 } p ? p + "/" : string.Empty;

    /// <summary>Checks the values a user cannot have meant.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Bucket);
        ArgumentOutOfRangeException.ThrowIfLessThan(PartSize, MinPartSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(Concurrency, 1);
        if (Endpoint is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
        {
            throw new ArgumentException($"The S3 endpoint '{Endpoint}' must be an absolute http or https URL.", nameof(Endpoint));
        }
    }
}
