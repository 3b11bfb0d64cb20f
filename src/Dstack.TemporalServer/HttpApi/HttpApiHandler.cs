using Dstack.TemporalServer.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Common.V1;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>
/// Answers Temporal's HTTP API: finds the binding of the request's verb and path, builds the request message, calls
/// the same handler as the gRPC method and writes its response or error as proto JSON. Requests that match no
/// binding go on to the next middleware.
/// </summary>
internal sealed class HttpApiHandler(HttpApiRouteTable routes, TimeProvider time, ILogger<HttpApiHandler> logger)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var segments = PathSegments(context);
        var route = routes.Find(context.Request.Method, segments, out var pathExists);
        if (route is not null)
        {
            await CallAsync(context, route, segments);
        }
        else if (pathExists)
        {
            await HttpApiErrors.WriteAsync(context, HttpApiErrors.MethodNotAllowed());
        }
        else
        {
            await next(context);
        }
    }

    private async Task CallAsync(HttpContext context, HttpApiRoute route, IReadOnlyList<string> segments)
    {
        using var deadlineOrAbort = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            var deadline = DateTime.MaxValue;
            if (context.Request.Headers["Grpc-Timeout"] is [{ } header])
            {
                var timeout = ParseTimeout(header);
                deadline = time.GetUtcNow().UtcDateTime + timeout;
                deadlineOrAbort.CancelAfter(timeout);
            }

            var request = await HttpApiRequestBinder.BindAsync(route, segments, context.Request, deadlineOrAbort.Token);
            var call = new HttpApiCallContext(context, route.GrpcMethod, deadline, deadlineOrAbort.Token);
            var response = await route.Endpoint.HandleAsync(route.Method.Name, request, call);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(HttpApiJson.Formatter.Format(response), context.RequestAborted);
        }
        catch (RpcException e)
        {
            await HttpApiErrors.WriteAsync(context, HttpApiErrors.ToStatus(e));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody reads an answer.
        }
        catch (OperationCanceledException) when (deadlineOrAbort.IsCancellationRequested)
        {
            await HttpApiErrors.WriteAsync(context, new GrpcStatus { Code = (int)StatusCode.DeadlineExceeded, Message = "context deadline exceeded" });
        }
#pragma warning disable CA1031 // A handler's bug answers this call as gRPC does (Unknown), instead of dropping the connection.
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.LogError(e, "HTTP API call {Method} failed", route.GrpcMethod);
            await HttpApiErrors.WriteAsync(context, new GrpcStatus { Code = (int)StatusCode.Unknown, Message = "Exception was thrown by handler." });
        }
    }

    private static TimeSpan ParseTimeout(string header)
    {
        try
        {
            return GrpcTimeout.Parse(header);
        }
        catch (FormatException e)
        {
            throw ServerErrors.InvalidArgument(e.Message);
        }
    }

    /// <summary>
    /// The path's segments, each percent-decoded once. Read from the raw request line because the decoded path keeps
    /// <c>%2F</c> as is, which would make a workflow ID "a%2Fb" ambiguous with one that really contains "%2F".
    /// </summary>
    private static string[] PathSegments(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = raw is ['/', ..] ? raw.Split('?', '#')[0] : context.Request.Path.Value ?? "/";
        return path[1..].Split('/').Select(Uri.UnescapeDataString).ToArray();
    }
}
