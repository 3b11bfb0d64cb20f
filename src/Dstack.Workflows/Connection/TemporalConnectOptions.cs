using Dstack.Core.Settings;
using Temporalio.Client;

namespace Dstack.Workflows.Connection;

/// <summary>Turns dstack's Temporal settings into the SDK's connect options; the CLI and every worker connect through it.</summary>
public static class TemporalConnectOptions
{
    /// <summary>Creates the options to connect to <see cref="TemporalSettings.Address"/> with <paramref name="settings"/>.</summary>
    public static TemporalClientConnectOptions Create(TemporalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new TemporalClientConnectOptions(settings.Address)
        {
            Namespace = settings.Namespace,
            DataConverter = DstackDataConverter.Instance,
            ApiKey = settings.ApiKey?.Reveal(),
            Tls = Tls(settings),
        };
    }

    private static TlsOptions? Tls(TemporalSettings settings) => settings.Tls switch
    {
        null => null,
        { Disabled: true } => new TlsOptions { Disabled = true },
        var tls => new TlsOptions
        {
            ClientCert = tls.ClientCert?.ReadBytes(),
            ClientPrivateKey = tls.ClientKey?.ReadBytes(),
            ServerRootCACert = tls.ServerCa?.ReadBytes(),
            Domain = tls.ServerName,
        },
    };
}
