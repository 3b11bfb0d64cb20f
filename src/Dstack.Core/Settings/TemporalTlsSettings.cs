namespace Dstack.Core.Settings;

/// <summary>How dstack talks TLS to its Temporal server (the <c>temporal.tls</c> section of the user config).</summary>
public sealed record TemporalTlsSettings
{
    /// <summary>Gets the PEM file of the client certificate presented for mTLS. <value>The default value is null: none.</value></summary>
    public string? ClientCert { get; init; }

    /// <summary>Gets the PEM file of that certificate's private key. <value>The default value is null: none.</value></summary>
    public string? ClientKey { get; init; }

    /// <summary>Gets the PEM file of the CA that signed the server's certificate. <value>The default value is null: the system's roots.</value></summary>
    public string? ServerCa { get; init; }

    /// <summary>Gets the name the server's certificate must carry. <value>The default value is null: the address's host.</value></summary>
    public string? ServerName { get; init; }

    /// <summary>Gets a value indicating whether TLS is off even though an API key is set (a local server). <value>The default value is false.</value></summary>
    public bool Disabled { get; init; }
}
