using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dstack.TemporalServer.Hosting;

/// <summary>A running embedded Temporal server: a Kestrel host speaking HTTP/2 without TLS.</summary>
public sealed class EmbeddedTemporalServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmbeddedTemporalServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Gets the address clients connect to, <c>host:port</c>.</summary>
    public string Address { get; }

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
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(ip), port, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddDstackTemporalServer(configure);
        var app = builder.Build();
        try
        {
            app.MapDstackTemporalServer();
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Releases the database file when it was opened but the start failed afterwards (the port was taken).
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.First() ?? throw new InvalidOperationException("Kestrel reported no address");
        return new EmbeddedTemporalServer(app, new Uri(bound).Authority);
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
