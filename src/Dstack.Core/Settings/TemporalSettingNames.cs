namespace Dstack.Core.Settings;

/// <summary>
/// The names under which <see cref="TemporalSettings.Origins"/> records where the API key and the TLS settings came
/// from: the config keys that set them.
/// </summary>
public static class TemporalSettingNames
{
    /// <summary>The API key (<c>temporal.api_key</c> or <c>temporal.api_key_file</c>).</summary>
    public const string ApiKey = "temporal.api_key";

    /// <summary>Where TLS was last turned on or off (<c>temporal.tls</c>, <c>DSTACK_TEMPORAL_TLS</c>, <c>TEMPORAL_TLS</c>...).</summary>
    public const string Tls = "temporal.tls";

    /// <summary>The client certificate.</summary>
    public const string ClientCert = "temporal.tls.client_cert";

    /// <summary>The client certificate's private key.</summary>
    public const string ClientKey = "temporal.tls.client_key";

    /// <summary>The CA that signs the server's certificate.</summary>
    public const string ServerCa = "temporal.tls.server_ca";

    /// <summary>The name the server's certificate must carry.</summary>
    public const string ServerName = "temporal.tls.server_name";
}
