using System.Net;
using Dstack.TemporalServer.WebUi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dstack.TemporalServer.Hosting;

/// <summary>
/// A running embedded Temporal server: a Kestrel host speaking HTTP/2 without TLS, and, when
/// <see cref="TemporalServerOptions.UiPort"/> is set, the Temporal Web UI over HTTP/1.1 on a port of its own.
/// </summary>
public sealed class EmbeddedTemporalServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmbeddedTemporalServer(WebApplication app, string address, Uri? uiAddress)
    {
        _app = app;
        Address = address;
        UiAddress = uiAddress;
    }

    /// <summary>Gets the address clients connect to, <c>host:port</c>.</summary>
    public string Address { get; }

    /// <summary>Gets the web UI's address, such as <c>http://127.0.0.1:8233/</c>, or null when the server runs without it.</summary>
    public Uri? UiAddress { get; }

    /// <summary>Starts a server on <paramref name="ip"/>:<paramref name="port"/> (0 picks a free port).</summary>
    public static async Task<EmbeddedTemporalServer> StartAsync(
        string ip,
        int port,
        Action<TemporalServerOptions>? configure = null,
        LogLevel logLevel = LogLevel.Warning,
        CancellationToken cancellationToken = default)
    {
        // The listeners are set up before the host exists, so the options are read once here as well.
        var options = new TemporalServerOptions();
        configure?.Invoke(options);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(logLevel);
        ListenOptions? grpcListener = null;
        ListenOptions? uiListener = null;
        var withUi = options.UiPort is not null && TemporalWebUiExtensions.IsDstackTemporalWebUiIncluded;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(ip), port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                grpcListener = listen;
            });
            if (withUi)
            {
                uiListener = kestrel.ListenDstackTemporalWebUi(IPAddress.Parse(options.UiIp), options.UiPort!.Value);
            }

            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddDstackTemporalServer(configure);
        var app = builder.Build();
        try
        {
            if (withUi)
            {
                app.UseDstackTemporalWebUi();
            }

            app.MapDstackTemporalServer();

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Releases the database file when it was opened but the start failed afterwards (the port was taken).
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (options.UiPort is not null && !withUi)
        {
            app.Logger.LogWarning("{Hint} The server runs without it.", TemporalWebUiExtensions.DstackTemporalWebUiMissingHint);
        }

        // Kestrel writes the bound endpoint back into the listen options, which tells the ports apart when 0 picked them.
        var grpcEndpoint = grpcListener?.IPEndPoint ?? throw new InvalidOperationException("Kestrel reported no gRPC endpoint");
        var uiAddress = uiListener?.IPEndPoint is { } uiEndpoint ? new Uri($"http://{uiEndpoint}/") : null;
        return new EmbeddedTemporalServer(app, grpcEndpoint.ToString(), uiAddress);
    }

    /// <summary>Waits until the host stops (Ctrl+C or SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
