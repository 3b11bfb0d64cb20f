using System.Net;
using Dstack.TemporalServer.HttpApi;
using Dstack.TemporalServer.Security;
using Dstack.TemporalServer.WebUi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dstack.TemporalServer.Hosting;

/// <summary>
/// A running embedded Temporal server: a Kestrel host speaking gRPC over HTTP/2 and, each over HTTP/1.1 on a port of its
/// own, Temporal's HTTP API when <see cref="TemporalServerOptions.HttpPort"/> is set and the Temporal Web UI when
/// <see cref="TemporalServerOptions.UiPort"/> is. gRPC and the HTTP API use TLS when <see cref="TemporalServerOptions.Tls"/>
/// is set; the web UI stays plain HTTP, since a browser would refuse a certificate of the server's own CA.
/// </summary>
public sealed class EmbeddedTemporalServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _apiKey;
    private readonly TimeProvider _time;

    private EmbeddedTemporalServer(WebApplication app, string address, string? httpAddress, Uri? uiAddress)
    {
        _app = app;
        _apiKey = app.Services.GetRequiredService<ApiKeyVerifier>().ApiKey;
        _time = app.Services.GetRequiredService<TimeProvider>();
        Address = address;
        HttpAddress = httpAddress;
        UiAddress = uiAddress;
    }

    /// <summary>Gets the address clients connect to, <c>host:port</c>.</summary>
    public string Address { get; }

    /// <summary>Gets the address of the HTTP API, <c>host:port</c>, or null when it is off.</summary>
    public string? HttpAddress { get; }

    /// <summary>Gets the web UI's address, such as <c>http://127.0.0.1:8233/</c>, or null when the server runs without it.</summary>
    public Uri? UiAddress { get; }

    /// <summary>
    /// Makes the address that opens the web UI: with <see cref="TemporalServerOptions.ApiKey"/> set, a fresh one-time login
    /// link (<see cref="UiLoginToken"/>, good once within <see cref="UiLoginToken.Lifetime"/>); without, <see cref="UiAddress"/>.
    /// </summary>
    /// <returns>The address to print or open, or null when the server runs without the web UI.</returns>
    public Uri? CreateUiLoginUrl() =>
        UiAddress is null ? null : _apiKey is null ? UiAddress : UiLoginToken.CreateUrl(UiAddress, _apiKey, _time.GetUtcNow());

    /// <summary>Starts a server on <paramref name="ip"/>:<paramref name="port"/> (0 picks a free port).</summary>
    public static async Task<EmbeddedTemporalServer> StartAsync(
        string ip,
        int port,
        Action<TemporalServerOptions>? configure = null,
        LogLevel logLevel = LogLevel.Warning,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(logLevel);
        ListenOptions? grpcListener = null;
        ListenOptions? httpListener = null;
        ListenOptions? uiListener = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<TemporalServerOptions>>().Value;
            kestrel.Listen(IPAddress.Parse(ip), port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.Tls is { } tls)
                {
                    listen.UseHttps(TlsListenerOptions.Create(tls));
                }

                grpcListener = listen;
            });
            if (options.HttpPort is { } httpPort)
            {
                // Browsers speak HTTP/1.1 without TLS; the gRPC listener stays HTTP/2 only.
                kestrel.Listen(IPAddress.Parse(ip), httpPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    if (options.Tls is { } tls)
                    {
                        listen.UseHttps(TlsListenerOptions.Create(tls));
                    }

                    httpListener = listen;
                });
            }

            if (options.UiPort is { } uiPort && TemporalWebUiExtensions.IsDstackTemporalWebUiIncluded)
            {
                uiListener = kestrel.ListenDstackTemporalWebUi(IPAddress.Parse(options.UiIp), uiPort);
            }

            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddDstackTemporalServer(configure);
        var app = builder.Build();
        var uiPortAsked = app.Services.GetRequiredService<IOptions<TemporalServerOptions>>().Value.UiPort is not null;
        try
        {
            if (uiPortAsked && TemporalWebUiExtensions.IsDstackTemporalWebUiIncluded)
            {
                app.UseDstackTemporalWebUi();
            }

            app.MapDstackTemporalServer();

            // Kestrel sets the bound port on the listener before it accepts, so the branch sees the real port when 0 was asked.
            app.MapWhen(
                context => context.Connection.LocalPort == httpListener?.IPEndPoint?.Port,
                api => api.UseTemporalHttpApi().Run(context => HttpApiErrors.WriteAsync(context, HttpApiErrors.RouteNotFound())));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Releases the database file when it was opened but the start failed afterwards (the port was taken).
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (uiPortAsked && uiListener is null)
        {
            app.Logger.LogWarning("{Hint} The server runs without it.", TemporalWebUiExtensions.DstackTemporalWebUiMissingHint);
        }

        return new EmbeddedTemporalServer(
            app,
            Authority(grpcListener),
            httpListener is null ? null : Authority(httpListener),
            uiListener is null ? null : new Uri($"http://{Authority(uiListener)}/"));
    }

    /// <summary>Waits until the host stops (Ctrl+C or SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static string Authority(ListenOptions? listener) =>
        listener?.IPEndPoint is { } endPoint ? new UriBuilder("http", endPoint.Address.ToString(), endPoint.Port).Uri.Authority : throw new InvalidOperationException("Kestrel reported no address");
}
