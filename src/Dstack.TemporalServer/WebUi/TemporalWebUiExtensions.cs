using System.Net;
using System.Reflection;
using System.Text.Json;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.HttpApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.StaticFiles;

namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// Serves the Temporal Web UI (npm <c>@temporalio/ui</c>, built into this assembly) on a listener of its own, as the
/// official UI server (temporalio/ui-server) does next to a Temporal server.
/// </summary>
public static class TemporalWebUiExtensions
{
    private const string ImmutableAssets = "/_app/immutable";

    /// <summary>Gets a value indicating whether this build carries the web UI (it is built only where Node.js and npm are installed).</summary>
    public static bool IsDstackTemporalWebUiIncluded => EmbeddedWebUiFiles.Instance.IsIncluded;

    /// <summary>Gets what to do to get the web UI into a build that lacks it.</summary>
    public static string DstackTemporalWebUiMissingHint =>
        "The Temporal Web UI is not part of this build: it is built only where Node.js and npm are installed. Install Node.js (20 or newer) and npm, e.g. `apt-get install nodejs npm`, and build again.";

    /// <summary>
    /// Adds the web UI's listener: HTTP/1.1 (browsers speak no HTTP/2 without TLS) on <paramref name="address"/>:<paramref name="port"/>,
    /// 0 picking a free port. Once the server has started, <see cref="ListenOptions.IPEndPoint"/> of the result holds the bound port.
    /// </summary>
    public static ListenOptions ListenDstackTemporalWebUi(this KestrelServerOptions kestrel, IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ListenOptions? listener = null;
        kestrel.Listen(address, port, options =>
        {
            options.Protocols = HttpProtocols.Http1;
            options.Use(next => connection =>
            {
                connection.Features.Set(WebUiConnectionFeature.Instance);
                return next(connection);
            });
            listener = options;
        });
        return listener!;
    }

    /// <summary>
    /// Answers every request of the web UI's listener (<see cref="ListenDstackTemporalWebUi"/>) and lets no other through, as
    /// the official UI server does: its security headers, on a server with an API key the login check
    /// (<see cref="UiLoginToken"/>), and the CSRF check first, then the app's files,
    /// <c>GET /api/v1/settings</c>, Temporal's HTTP API under <c>/api/v1</c>, and the app's page for every other GET outside
    /// <c>/api</c> and <c>/_app</c>, where the client-side router takes over (deep links such as
    /// <c>/namespaces/default/workflows/ID/RUN/history</c>). Requests of other listeners go on down the pipeline. Add it
    /// before the endpoints.
    /// </summary>
    public static IApplicationBuilder UseDstackTemporalWebUi(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = JsonSerializer.SerializeToUtf8Bytes(Settings(), WebUiJsonContext.Default.WebUiSettings);
        return app.MapWhen(
            context => context.Features.Get<WebUiConnectionFeature>() is not null,
            webUi =>
            {
                // Echo's Secure middleware with the UI server's defaults.
                webUi.Use((context, next) =>
                {
                    var headers = context.Response.Headers;
                    headers.XXSSProtection = "1; mode=block";
                    headers.XContentTypeOptions = "nosniff";
                    headers.XFrameOptions = "SAMEORIGIN";
                    return next(context);
                });
                webUi.UseMiddleware<WebUiLoginMiddleware>();
                webUi.UseMiddleware<WebUiCsrfMiddleware>();
                webUi.UseStaticFiles(new StaticFileOptions
                {
                    FileProvider = EmbeddedWebUiFiles.Instance,
                    ContentTypeProvider = new FileExtensionContentTypeProvider(),
                    OnPrepareResponse = file => file.Context.Response.Headers.CacheControl =
                        file.Context.Request.Path.StartsWithSegments(ImmutableAssets, StringComparison.Ordinal)
                            ? "public, max-age=31536000, immutable"
                            : "no-cache",
                });
                webUi.MapWhen(IsSettingsRequest, api => api.Run(context => ServeSettingsAsync(context, settings)));

                // The UI server hands everything else under /api/v1 to grpc-gateway, which answers unknown routes with a
                // NotFound status. Only the /api/v1 routes: the others ("/namespaces/...") are the UI's own pages here.
                webUi.MapWhen(
                    context => context.Request.Path.StartsWithSegments("/api/v1", StringComparison.Ordinal),
                    api => api.UseTemporalHttpApi().Run(context => HttpApiErrors.WriteAsync(context, HttpApiErrors.RouteNotFound())));
                webUi.Run(ServePageAsync);
            });
    }

    private static WebUiSettings Settings() => new()
    {
        Version = typeof(TemporalWebUiExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TemporalWebUiVersion")?.Value ?? string.Empty,

        // The start-workflow page needs the Monaco editor, four times the rest of the UI in size, so this build
        // leaves it out and tells the UI so, as the official server's StartWorkflowDisabled setting does.
        StartWorkflowDisabled = true,
    };

    private static bool IsSettingsRequest(HttpContext context) =>
        context.Request.Path == "/api/v1/settings" && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method));

    private static Task ServeSettingsAsync(HttpContext context, byte[] settings)
    {
        context.Response.ContentType = "application/json; charset=UTF-8";
        return WriteAsync(context, settings);
    }

    private static Task ServePageAsync(HttpContext context)
    {
        var path = context.Request.Path;

        // Unknown API routes and missing assets are errors, not pages; /render is the official server's Markdown
        // renderer for workflow summaries, which this one does not have.
        if (path.StartsWithSegments("/api", StringComparison.Ordinal)
            || path.StartsWithSegments("/_app", StringComparison.Ordinal)
            || path.StartsWithSegments("/render", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        return WriteAsync(context, EmbeddedWebUiFiles.Instance.IndexHtml);
    }

    private static Task WriteAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        context.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
