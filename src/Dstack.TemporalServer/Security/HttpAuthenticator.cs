using Dstack.TemporalServer.HttpApi;
using Dstack.TemporalServer.WebUi;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Temporalio.Api.Common.V1;

namespace Dstack.TemporalServer.Security;

/// <summary>Admits an HTTP request that carries the API key as a bearer token or a web UI session cookie.</summary>
internal sealed class HttpAuthenticator(ApiKeyVerifier verifier, UiSessionStore sessions)
{
    private const string CookieWriteMessage =
        "Request unauthenticated: outside the web UI's own address, the web UI's session admits reads only; send the API key "
        + "as the `Authorization: Bearer <key>` header.";

    public bool IsRequired => verifier.IsRequired;

    /// <summary>Gets why the request is refused, or null when it is admitted.</summary>
    public string? Refusal(HttpContext context)
    {
        if (!verifier.IsRequired)
        {
            return null;
        }

        // A wrong bearer token is refused even next to a good cookie: the CSRF check lets bearer calls through unchecked.
        return verifier.Check(context.Request.Headers.Authorization) switch
        {
            BearerCheck.Valid => null,
            BearerCheck.Invalid => ApiKeyVerifier.InvalidMessage,
            _ when !sessions.HasSession(context.Request.Cookies) => ApiKeyVerifier.MissingMessage,
            _ when IsRead(context.Request.Method) || context.Features.Get<WebUiConnectionFeature>() is not null => null,

            // SameSite cookies reach every port of the host, and only the UI's listener checks writes against CSRF.
            _ => CookieWriteMessage,
        };
    }

    /// <summary>Answers as the HTTP API answers its other errors: the status as JSON, here Unauthenticated under 401.</summary>
    public static Task RefuseAsync(HttpContext context, string message)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.Headers.CacheControl = "no-store";
        return HttpApiErrors.WriteAsync(context, new GrpcStatus { Code = (int)StatusCode.Unauthenticated, Message = message });
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
}
