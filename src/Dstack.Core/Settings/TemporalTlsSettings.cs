namespace Dstack.Core.Settings;

/// <summary>
/// How dstack talks TLS to its Temporal server (the <c>temporal.tls</c> section of the user config, its
/// <c>DSTACK_TEMPORAL_TLS*</c> variables, and the TLS of the Temporal profile under them). Set, and not
/// <see cref="Disabled"/>, it turns TLS on.
/// </summary>
public sealed record TemporalTlsSettings
{
    /// <summary>Gets the client certificate presented for mTLS (PEM). <value>The default value is null: none.</value></summary>
    public PemSource? ClientCert { get; init; }

    /// <summary>Gets that certificate's private key (PEM). <value>The default value is null: none.</value></summary>
    public PemSource? ClientKey { get; init; }

    /// <summary>Gets the CA certificates that may sign the server's certificate (PEM). <value>The default value is null: the system's roots.</value></summary>
    public PemSource? ServerCa { get; init; }

    /// <summary>Gets the name the server's certificate must carry. <value>The default value is null: the address's host.</value></summary>
    public string? ServerName { get; init; }

    /// <summary>Gets a value indicating whether TLS is off even though an API key is set (a local server). <value>The default value is false.</value></summary>
    public bool Disabled { get; init; }
}
