using Google.Protobuf;
using Grpc.Core;

namespace Dstack.TemporalServer.Grpc;

/// <summary>An endpoint that answers the methods of one protobuf service by name.</summary>
internal interface IDescriptorEndpoint
{
    /// <summary>Answers <paramref name="method"/> or throws an <see cref="RpcException"/>.</summary>
    Task<IMessage> HandleAsync(string method, IMessage request, ServerCallContext context);
}
