namespace Dstack.Core.Settings;

/// <summary>Where dstack keeps code snapshots, logs, artifacts and manifests (the <c>storage:</c> section).</summary>
public sealed record StorageSettings
{
    /// <summary>Gets <c>local</c> or <c>s3</c>. <value>The default value is <c>local</c>.</value></summary>
    public string Type { get; init; } = "local";

    /// <summary>Gets the folder of local storage (absolute, <c>~</c> expanded). <value>The default value is <c>$DSTACK_HOME/storage</c>.</value></summary>
    public required string Path { get; init; }

    /// <summary>Gets the S3 bucket.</summary>
    public string? Bucket { get; init; }

    /// <summary>Gets the key prefix in the bucket.</summary>
    public string? Prefix { get; init; }

    /// <summary>Gets the S3 region.</summary>
    public string? Region { get; init; }

    /// <summary>Gets an S3-compatible endpoint (the tests' emulator).</summary>
    public string? Endpoint { get; init; }
}
