using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Temporalio.Api.Common.V1;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>Errors as grpc-gateway writes them for Temporal: the status as JSON (<c>{code, message, details}</c>) under the HTTP status of its code.</summary>
internal static class HttpApiErrors
{
    /// <summary>grpc-gateway's runtime.HTTPStatusFromCode.</summary>
    public static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.OK => StatusCodes.Status200OK,
        StatusCode.Cancelled => 499,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The status a handler failed with, with the details it put in <c>grpc-status-details-bin</c> as gRPC clients get them.</summary>
    public static GrpcStatus ToStatus(RpcException exception)
    {
        var details = exception.Trailers.GetValueBytes("grpc-status-details-bin");
        var status = details is null ? new GrpcStatus() : GrpcStatus.Parser.ParseFrom(details);
        status.Code = (int)exception.StatusCode;
        status.Message = exception.Status.Detail;
        return status;
    }

    /// <summary>The error grpc-gateway answers for a path no rule matches.</summary>
    public static GrpcStatus RouteNotFound() => new() { Code = (int)StatusCode.NotFound, Message = "Not Found" };

    /// <summary>The error grpc-gateway answers for a path that rules of other verbs match.</summary>
    public static GrpcStatus MethodNotAllowed() => new() { Code = (int)StatusCode.Unimplemented, Message = "Method Not Allowed" };

    public static Task WriteAsync(HttpContext context, GrpcStatus status)
    {
        string json;
        try
        {
            json = HttpApiJson.Formatter.Format(status);
        }
        catch (InvalidOperationException)
        {
            // A detail of a type outside the registry: the code and message still tell what went wrong.
            json = HttpApiJson.Formatter.Format(new GrpcStatus { Code = status.Code, Message = status.Message });
        }

        context.Response.StatusCode = HttpStatus((StatusCode)status.Code);
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json, Encoding.UTF8, context.RequestAborted);
    }
}
