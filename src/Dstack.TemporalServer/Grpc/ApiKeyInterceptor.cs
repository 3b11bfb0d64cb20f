using Dstack.TemporalServer.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Dstack.TemporalServer.Grpc;

/// <summary>
/// Refuses every gRPC call without the server's API key as <c>authorization: Bearer KEY</c> metadata with
/// <c>Unauthenticated</c>, the code gRPC defines for missing or wrong credentials, before any handler runs. Real Temporal's
/// authorizer answers <c>PermissionDenied</c> "Request unauthorized." to both; a client that sent no key, or a wrong one,
/// is told here which of the two it was.
/// </summary>
internal sealed class ApiKeyInterceptor(ApiKeyVerifier verifier) : Interceptor
{
    // Health checks stay open, as real Temporal's default authorizer keeps them (common/authorization/frontend_api.go):
    // load balancers, container probes and the SDKs' CheckHealth ask without credentials. GetSystemInfo is on the same
    // list there, and the SDKs call it when they connect, outside any call of the application. Real Temporal still refuses
    // a token it cannot read before its authorizer looks at the method; here any key passes these two, so that a client
    // with no key or a stale one connects and gets its Unauthenticated from its first real call as an RpcException, which
    // a CLI can tell apart, rather than as a failed connect. Neither answers more than whether the server is up and what
    // it supports.
    private const string HealthCheck = "/grpc.health.v1.Health/Check";
    private const string GetSystemInfo = "/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Admit(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Admit(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Admit(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Admit(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Admit(ServerCallContext context)
    {
        if (!verifier.IsRequired || IsHealthCheck(context.Method))
        {
            return;
        }

        switch (verifier.Check(context.RequestHeaders.GetValue("authorization")))
        {
            case BearerCheck.Valid:
                return;
            case BearerCheck.Missing:
                throw new RpcException(new Status(StatusCode.Unauthenticated, ApiKeyVerifier.MissingMessage));
            default:
                throw new RpcException(new Status(StatusCode.Unauthenticated, ApiKeyVerifier.InvalidMessage));
        }
    }

    private static bool IsHealthCheck(string method) =>
        method is HealthCheck or GetSystemInfo;
}
