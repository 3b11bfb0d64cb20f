using Google.Protobuf;
using Grpc.Core;

namespace Dstack.TemporalServer.Grpc;

/// <summary>Handles one unary gRPC method whose messages are only known by their descriptors.</summary>
internal delegate Task<IMessage> UnaryHandler(IMessage request, ServerCallContext context);
