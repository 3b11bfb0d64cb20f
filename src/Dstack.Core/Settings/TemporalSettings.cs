namespace Dstack.Core.Settings;

/// <summary>Where the Temporal server is (the <c>temporal:</c> section of the user config).</summary>
/// <param name="Address">host:port of its gRPC API. <value>The default value is <c>127.0.0.1:7233</c>.</value></param>
/// <param name="Namespace">The namespace runs live in. <value>The default value is <c>default</c>.</value></param>
/// <param name="TaskQueue">The task queue workers poll. <value>The default value is <c>dstack</c>.</value></param>
/// <param name="UiUrl">
/// Where the Temporal Web UI of that server is (e.g. http://localhost:8080 for docker-compose.temporal.yml), so run pages
/// can be linked. <value>The default value is null: the UI that <c>dstack server</c> serves, when it is the server.</value>
/// </param>
public sealed record TemporalSettings(
    string Address = TemporalSettings.DefaultAddress, string Namespace = "default", string TaskQueue = "dstack", string? UiUrl = null)
{
    /// <summary>The address used when none is configured; nothing answering there starts the embedded server.</summary>
    public const string DefaultAddress = "127.0.0.1:7233";

    /// <summary>
    /// Gets a value indicating whether <see cref="Address"/> is the default because neither <c>temporal.address</c> nor
    /// <c>DSTACK_TEMPORAL_ADDRESS</c> named one. Only then may the CLI use this dstack folder's own server at another
    /// port, when another user's dstack server holds the default one.
    /// <value>The default value is false: an address given in code counts as chosen.</value>
    /// </summary>
    public bool AddressIsDefault { get; init; }

    /// <summary>
    /// Gets the API key sent as <c>authorization: Bearer</c> on every call (Temporal Cloud, or this dstack folder's own
    /// <c>dstack server</c>). <value>The default value is null: none.</value>
    /// </summary>
    public SecretText? ApiKey { get; init; }

    /// <summary>Gets the TLS settings. <value>The default value is null: plain gRPC, or TLS with the system's roots when an API key is set.</value></summary>
    public TemporalTlsSettings? Tls { get; init; }

    /// <summary>
    /// Gets where the API key and each TLS setting came from, by the names of <see cref="TemporalSettingNames"/>, so a
    /// refused key or certificate is reported with the place to fix it.
    /// <value>The default value is empty: set in code.</value>
    /// </summary>
    public IReadOnlyDictionary<string, SettingOrigin> Origins { get; init; } = NoOrigins;

    /// <summary>Gets a value indicating whether the connection uses TLS: TLS settings not disabled, or an API key without any (the SDK's rule).</summary>
    public bool UsesTls => Tls is { Disabled: false } || (Tls is null && ApiKey is not null);

    private static readonly IReadOnlyDictionary<string, SettingOrigin> NoOrigins = new Dictionary<string, SettingOrigin>();

    /// <summary>Gets where the setting <paramref name="name"/> (one of <see cref="TemporalSettingNames"/>) came from; null when set in code or not at all.</summary>
    public SettingOrigin? OriginOf(string name) => Origins.GetValueOrDefault(name);
}
