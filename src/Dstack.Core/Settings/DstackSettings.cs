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
}
