namespace Dstack.Core.Settings;

/// <summary>The user's dstack configuration (<c>$DSTACK_HOME/config.yml</c>) with <c>DSTACK_*</c> overrides applied.</summary>
public sealed record DstackSettings
{
    /// <summary>Gets the dstack folder (absolute). <value>The default value is <c>~/.dstack</c>; <c>DSTACK_HOME</c> moves it.</value></summary>
    public required string Home { get; init; }

    /// <summary>Gets the config file's path (it may not exist).</summary>
    public required string ConfigFile { get; init; }

    /// <summary>Gets where the Temporal server is.</summary>
    public TemporalSettings Temporal { get; init; } = new();

    /// <summary>Gets where bulk data is stored.</summary>
    public required StorageSettings Storage { get; init; }

    /// <summary>Gets the backends, in the order written. <value>The default value is one <c>local</c> backend.</value></summary>
    public IReadOnlyList<BackendSettings> Backends { get; init; } = [new LocalBackendSettings()];

    /// <summary>
    /// Gets the one aws backend that all <c>type: aws</c> entries make: their regions together (in the order written), and
    /// the first profile, endpoint and SSH user given. <value>Null when no entry is of type aws.</value>
    /// </summary>
    public AwsBackendSettings? Aws
    {
        get
        {
            var aws = Backends.OfType<AwsBackendSettings>().ToList();
            return aws.Count == 0 ? null : new AwsBackendSettings(
                [.. aws.SelectMany(a => a.Regions).Distinct(StringComparer.Ordinal)],
                aws.Select(a => a.Profile).FirstOrDefault(p => p is not null),
                aws.Select(a => a.Endpoint).FirstOrDefault(e => e is not null),
                aws.Select(a => a.SshUser).FirstOrDefault(u => u is not null));
        }
    }
}
