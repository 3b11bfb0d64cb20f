using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>
/// What a handler needs to know of an HTTP call: its method, its deadline (long polls answer just before it) and a
/// token that fires when the client goes away or the deadline passes, as a gRPC call's does.
/// </summary>
internal sealed class HttpApiCallContext(HttpContext http, string method, DateTime deadline, CancellationToken cancellationToken) : ServerCallContext
{
    protected override string MethodCore => method;

    protected override string HostCore => http.Request.Host.Value ?? string.Empty;

    protected override string PeerCore => $"ipv4:{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}";

    protected override DateTime DeadlineCore => deadline;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => cancellationToken;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("HTTP API calls start no child calls.");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
