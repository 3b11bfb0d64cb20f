using Google.Protobuf;
using Grpc.Core;

namespace Dstack.TemporalServer.Grpc;

/// <summary>Maps method names to typed handlers; unknown methods answer UNIMPLEMENTED as real Temporal does for unsupported APIs.</summary>
internal sealed class HandlerTable
{
    private readonly Dictionary<string, UnaryHandler> _handlers = new(StringComparer.Ordinal);

    public HandlerTable Add<TRequest>(string method, Func<TRequest, ServerCallContext, Task<IMessage>> handler)
        where TRequest : IMessage
    {
        _handlers.Add(method, (request, context) => handler((TRequest)request, context));
        return this;
    }

    public HandlerTable Add<TRequest>(string method, Func<TRequest, ServerCallContext, IMessage> handler)
        where TRequest : IMessage
    {
        _handlers.Add(method, (request, context) => Task.FromResult(handler((TRequest)request, context)));
        return this;
    }

    public Task<IMessage> InvokeAsync(string method, IMessage request, ServerCallContext context) =>
        _handlers.TryGetValue(method, out var handler)
            ? handler(request, context)
            : throw new RpcException(new Status(StatusCode.Unimplemented, $"unknown method {method}"));
}
