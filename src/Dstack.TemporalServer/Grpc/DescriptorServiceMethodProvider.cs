using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Dstack.TemporalServer.Grpc;

/// <summary>
/// Binds every method of a protobuf service descriptor to an endpoint class. Grpc.AspNetCore's
/// attribute-based binding needs a C# method per RPC, which the Temporalio package does not ship,
/// so methods are built from the descriptors and their parsers instead.
/// </summary>
internal sealed class DescriptorServiceMethodProvider<TEndpoint>(Google.Protobuf.Reflection.ServiceDescriptor service)
    : IServiceMethodProvider<TEndpoint>
    where TEndpoint : class, IDescriptorEndpoint
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TEndpoint> context)
    {
        foreach (var method in service.Methods)
        {
            if (method.IsClientStreaming || method.IsServerStreaming)
            {
                continue;
            }

            var name = method.Name;
            var grpcMethod = new Method<IMessage, IMessage>(
                MethodType.Unary,
                service.FullName,
                name,
                Marshallers.Create(m => m.ToByteArray(), method.InputType.Parser.ParseFrom),
                Marshallers.Create(m => m.ToByteArray(), method.OutputType.Parser.ParseFrom));
            context.AddUnaryMethod(grpcMethod, [], (endpoint, request, callContext) => endpoint.HandleAsync(name, request, callContext));
        }
    }
}
