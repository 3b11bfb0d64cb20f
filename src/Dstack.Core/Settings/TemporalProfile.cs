namespace Dstack.Core.Settings;

/// <summary>
/// The Temporal connection settings that Temporal's own tools would use here (the <c>TEMPORAL_*</c> variables over a
/// <c>temporal.toml</c> profile): the layer under dstack's <c>temporal:</c> keys and <c>DSTACK_TEMPORAL_*</c> variables.
/// Each value is null when that layer says nothing of it.
/// </summary>
public sealed record TemporalProfile
{
    /// <summary>Gets a profile that says nothing.</summary>
    public static TemporalProfile Empty { get; } = new();

    /// <summary>Gets the server's host:port.</summary>
    public string? Address { get; init; }

    /// <summary>Gets the namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets the API key.</summary>
    public SecretText? ApiKey { get; init; }

    /// <summary>Gets the TLS settings: null when the profile says nothing of TLS, else TLS on unless <see cref="TemporalTlsSettings.Disabled"/>.</summary>
    public TemporalTlsSettings? Tls { get; init; }

    /// <summary>Gets where each value set came from, by the names of <see cref="TemporalSettingNames"/>.</summary>
    public IReadOnlyDictionary<string, SettingOrigin> Origins { get; init; } = new Dictionary<string, SettingOrigin>();
}
