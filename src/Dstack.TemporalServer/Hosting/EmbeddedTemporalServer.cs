using System.Net;
using Dstack.TemporalServer.HttpApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dstack.TemporalServer.Hosting;

/// <summary>
/// A running embedded Temporal server: a Kestrel host speaking gRPC over HTTP/2 without TLS and, when
/// <see cref="TemporalServerOptions.HttpPort"/> is set, Temporal's HTTP API over HTTP/1.1 on a port of its own.
/// </summary>
public sealed class EmbeddedTemporalServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmbeddedTemporalServer(WebApplication app, string address, string? httpAddress)
    {
        _app = app;
        Address = address;
        HttpAddress = httpAddress;
    }

    /// <summary>Gets the address clients connect to, <c>host:port</c>.</summary>
    public string Address { get; }

    /// <summary>Gets the address of the HTTP API, <c>host:port</c>, or null when it is off.</summary>
    public string? HttpAddress { get; }

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
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(ip), port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                grpcListener = listen;
            });
            if (kestrel.ApplicationServices.GetRequiredService<IOptions<TemporalServerOptions>>().Value.HttpPort is { } httpPort)
            {
                // Browsers speak HTTP/1.1 without TLS; the gRPC listener stays HTTP/2 only.
                kestrel.Listen(IPAddress.Parse(ip), httpPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    httpListener = listen;
                });
            }

            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddDstackTemporalServer(configure);
        var app = builder.Build();
        try
        {
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

        return new EmbeddedTemporalServer(app, Authority(grpcListener), httpListener is null ? null : Authority(httpListener));
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
