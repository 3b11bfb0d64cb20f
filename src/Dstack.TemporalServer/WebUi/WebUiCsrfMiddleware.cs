using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using HeaderNames = Microsoft.Net.Http.Headers.HeaderNames;

namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// The official UI server's CSRF protection (Echo's CSRF middleware, configured as <c>temporal server start-dev</c> does):
/// every answer sets a <c>_csrf</c> cookie that the page's scripts can read, and a request that may change something
/// (any method but GET, HEAD, OPTIONS and TRACE) must carry the same token in the <c>X-CSRF-Token</c> header. Another
/// site's page can make the browser send the cookie but cannot read it, so it cannot forge the header.
/// </summary>
internal sealed class WebUiCsrfMiddleware(RequestDelegate next, TimeProvider time)
{
    public const string CookieName = "_csrf";
    public const string HeaderName = "X-CSRF-Token";

    private const int TokenLength = 32;
    private const string TokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static readonly TimeSpan CookieLifetime = TimeSpan.FromDays(1);

    public async Task InvokeAsync(HttpContext context)
    {
        // As in the UI server: a bearer token is not something a browser attaches by itself, so such calls are not forgeable.
        if (!string.IsNullOrEmpty(context.Request.Headers.Authorization))
        {
            await next(context);
            return;
        }

        var token = context.Request.Cookies[CookieName] is { Length: > 0 } cookie
            ? cookie
            : RandomNumberGenerator.GetString(TokenAlphabet, TokenLength);
        if (!IsSafe(context.Request.Method))
        {
            var sent = context.Request.Headers[HeaderName];
            if (sent.All(string.IsNullOrEmpty))
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "missing csrf token in request header");
                return;
            }

            if (!sent.Any(value => Matches(value, token)))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, "invalid csrf token");
                return;
            }
        }

        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            Path = "/",
            Expires = time.GetUtcNow() + CookieLifetime,
            SameSite = SameSiteMode.Strict,
            HttpOnly = false,
            Secure = false,
        });
        context.Response.Headers.Append(HeaderNames.Vary, HeaderNames.Cookie);
        await next(context);
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool Matches(string? sent, string token) =>
        sent is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(token));

    private static Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, new WebUiError(message), WebUiJsonContext.Default.WebUiError, context.RequestAborted);
    }
}
