using System.Net;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;

namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// Admits to the web UI of a server with an API key only the browser that opened a login link
/// (<see cref="UiLoginToken"/>), and API clients that send the key. A good link sets an HttpOnly session cookie and
/// redirects to the same address without the token, so the token leaves the address bar and the history; every other
/// request needs the cookie. Runs before the CSRF check, which lets bearer calls through, so a wrong bearer is refused here.
/// </summary>
internal sealed class WebUiLoginMiddleware(RequestDelegate next, HttpAuthenticator authenticator, UiSessionStore sessions, IOptions<TemporalServerOptions> options)
{
    private readonly string _signInHint =
        $"This Temporal UI admits only its owner. {options.Value.UiLoginHint ?? "Open the link that the server printed when it started."} "
        + $"Each link opens the UI once, within {UiLoginToken.Lifetime.TotalMinutes:0} minutes.";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!authenticator.IsRequired)
        {
            await next(context);
            return;
        }

        if (context.Request.Query.TryGetValue(UiLoginToken.QueryParameter, out var tokens)
            && string.IsNullOrEmpty(context.Request.Headers.Authorization))
        {
            if (tokens is [{ } token] && sessions.Redeem(token) is { } session)
            {
                context.Response.Cookies.Append(UiSessionStore.CookieName(context.Connection.LocalPort), session, new CookieOptions
                {
                    Path = "/",
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = context.Request.IsHttps,
                });
                context.Response.Headers.CacheControl = "no-store";
                context.Response.Redirect(WithoutToken(context.Request));
                return;
            }

            // A browser that is in already and opens a used link again (the printed one, clicked twice) gets the page;
            // the link still admits nobody else.
            if (sessions.HasSession(context.Request.Cookies))
            {
                context.Response.Headers.CacheControl = "no-store";
                context.Response.Redirect(WithoutToken(context.Request));
                return;
            }

            await RefuseAsync(context, "This login link is not good: it expired, it was used already, or it was not made for this server.");
            return;
        }

        if (authenticator.Refusal(context) is not { } refusal)
        {
            await next(context);
            return;
        }

        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            await HttpAuthenticator.RefuseAsync(context, refusal);
            return;
        }

        await RefuseAsync(context, null);
    }

    private static string WithoutToken(HttpRequest request)
    {
        var query = new QueryBuilder(request.Query.Where(p => p.Key != UiLoginToken.QueryParameter));

        // "//host/..." would be read as another host's address.
        var path = request.PathBase + request.Path;
        var target = path.HasValue && !path.Value!.StartsWith("//", StringComparison.Ordinal) && !path.Value.StartsWith("/\\", StringComparison.Ordinal)
            ? path.ToUriComponent()
            : "/";
        return target + query.ToQueryString().ToUriComponent();
    }

    private Task RefuseAsync(HttpContext context, string? reason)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "text/html; charset=utf-8";
        var why = reason is null ? string.Empty : $"<p>{WebUtility.HtmlEncode(reason)}</p>";
        return context.Response.WriteAsync(
            $"<!doctype html><html><head><meta charset=\"utf-8\"><title>Temporal UI: sign-in needed</title></head>"
            + $"<body><h1>Sign-in needed</h1>{why}<p>{WebUtility.HtmlEncode(_signInHint)}</p></body></html>",
            context.RequestAborted);
    }
}
