using System.Text.RegularExpressions;
using Dstack.Core.Configuration.Parsing;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Settings;

/// <summary>Where dstack keeps code snapshots, logs, artifacts and manifests (the <c>storage:</c> section).</summary>
public sealed partial record StorageSettings
{
    private static readonly string[] Keys = ["type", "path", "bucket", "prefix", "region", "endpoint"];

    // In the order their errors are reported.
    private static readonly string[] S3Keys = ["bucket", "endpoint", "region", "prefix"];

    /// <summary>Gets the kind of storage. <value>The default value is <see cref="StorageType.Local"/>.</value></summary>
    public StorageType Type { get; init; } = StorageType.Local;

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

    /// <summary>
    /// What an S3 value must look like (for "expected ..., found ..."), or null when <paramref name="value"/> is valid.
    /// The values are checked against S3's own rules so that a typo fails when the settings load, not at the first upload.
    /// </summary>
    /// <param name="key">The key of the <c>storage:</c> section: <c>bucket</c>, <c>endpoint</c>, <c>region</c> or <c>prefix</c>.</param>
    /// <param name="value">The value given.</param>
    internal static string? S3Expectation(string key, string value) => key switch
    {
        "bucket" when !BucketRegex().IsMatch(value) => "an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')",
        "endpoint" when !SettingsLoader.IsHttpUrl(value) => "an http:// or https:// URL such as http://127.0.0.1:4569",
        "region" when !AwsBackendSettings.IsRegion(value) => "an AWS region such as us-east-1",
        "prefix" when !IsKeyPrefix(value) => "a key prefix such as dstack or team/dstack (no empty, '.' or '..' parts, no '\\')",
        _ => null,
    };

    /// <summary>Reads the <c>storage:</c> section, reporting what is wrong with it to <paramref name="reader"/>.</summary>
    /// <param name="reader">Reads the settings file.</param>
    /// <param name="node">The section's value.</param>
    /// <param name="defaultPath">The folder of local storage when the section names none.</param>
    /// <param name="fullPath">Makes a path written in the file absolute.</param>
    internal static StorageSettings? Read(NodeReader reader, YamlNode node, string defaultPath, Func<string, string> fullPath)
    {
        const string section = "storage";
        if (reader.Mapping(node, section, Keys) is not { } map)
        {
            return null;
        }

        var type = StorageType.Local;
        switch (reader.Text(map, section, "type"))
        {
            case null or "local":
                break;
            case "s3":
                type = StorageType.S3;
                break;
            case var other:
                reader.Error(NodeReader.ValueOf(map, "type")!, "storage.type", $"expected local or s3, found '{other}'");
                break;
        }

        var s3 = S3Keys.ToDictionary(key => key, key => reader.Text(map, section, key));
        if (type == StorageType.S3)
        {
            if (s3["bucket"] is null)
            {
                reader.Error(map, "storage.bucket", "expected a bucket name for storage of type s3, found none");
            }

            foreach (var (key, value) in s3)
            {
                if (value is not null && S3Expectation(key, value) is { } expected)
                {
                    reader.Error(NodeReader.ValueOf(map, key)!, $"storage.{key}", $"expected {expected}, found '{value}'");
                }
            }
        }
        else
        {
            foreach (var key in S3Keys.Where(k => NodeReader.ValueOf(map, k) is not null))
            {
                reader.Error(NodeReader.ValueOf(map, key)!, $"storage.{key}", $"'{key}' is for storage of type s3; set storage.type to s3 or remove it");
            }
        }

        return new StorageSettings
        {
            Type = type,
            Path = reader.Text(map, section, "path") is { } path ? fullPath(path) : defaultPath,
            Bucket = s3["bucket"],
            Prefix = s3["prefix"],
            Region = s3["region"],
            Endpoint = s3["endpoint"],
        };
    }

    private static bool IsKeyPrefix(string prefix)
    {
        if (prefix.Trim('/') is not { Length: > 0 } trimmed)
        {
            return true;
        }

        try
        {
            Storage.StorageKey.Validate(trimmed + "/", isPrefix: true);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketRegex();
}
