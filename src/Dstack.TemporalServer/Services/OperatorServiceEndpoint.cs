using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Dstack.TemporalServer.Visibility;
using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;

namespace Dstack.TemporalServer.Services;

/// <summary>The OperatorService methods SDKs and CLIs use: custom search attributes.</summary>
internal sealed class OperatorServiceEndpoint : IDescriptorEndpoint
{
    private readonly TemporalEngine _engine;
    private readonly HandlerTable _handlers = new();

    public OperatorServiceEndpoint(TemporalEngine engine)
    {
        _engine = engine;
        _handlers
            .Add<AddSearchAttributesRequest>("AddSearchAttributes", AddSearchAttributes)
            .Add<RemoveSearchAttributesRequest>("RemoveSearchAttributes", RemoveSearchAttributes)
            .Add<ListSearchAttributesRequest>("ListSearchAttributes", ListSearchAttributes);
    }

    public async Task<IMessage> HandleAsync(string method, IMessage request, ServerCallContext context)
    {
        var response = await _handlers.InvokeAsync(method, request, context);
        await _engine.PersistAsync();
        return response;
    }

    private AddSearchAttributesResponse AddSearchAttributes(AddSearchAttributesRequest request, ServerCallContext context)
    {
        if (request.SearchAttributes.Count == 0)
        {
            throw ServerErrors.InvalidArgument("SearchAttributes are not set on request.");
        }

        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(NamespaceName(request.Namespace));
            foreach (var (name, type) in request.SearchAttributes)
            {
                if (type == IndexedValueType.Unspecified)
                {
                    throw ServerErrors.InvalidArgument($"Unknown search attribute type: {type}.");
                }

                if (SystemSearchAttributes.All.ContainsKey(name))
                {
                    throw ServerErrors.InvalidArgument($"Search attribute {name} is reserved by system.");
                }

                if (ns.CustomSearchAttributes.TryGetValue(name, out var existing) && existing != type)
                {
                    throw new RpcException(new Status(StatusCode.AlreadyExists, $"Search attribute {name} already exists."));
                }
            }

            // Adding a name that exists with the same type is a no-op, as on the real server.
            foreach (var (name, type) in request.SearchAttributes)
            {
                ns.CustomSearchAttributes[name] = type;
            }

            _engine.MarkSearchAttributesDirty();

            return new AddSearchAttributesResponse();
        }
    }

    private RemoveSearchAttributesResponse RemoveSearchAttributes(RemoveSearchAttributesRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(NamespaceName(request.Namespace));
            foreach (var name in request.SearchAttributes)
            {
                if (!ns.CustomSearchAttributes.Remove(name))
                {
                    throw ServerErrors.NotFound($"Search attribute {name} doesn't exist.");
                }
            }

            _engine.MarkSearchAttributesDirty();
            return new RemoveSearchAttributesResponse();
        }
    }

    private ListSearchAttributesResponse ListSearchAttributes(ListSearchAttributesRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(NamespaceName(request.Namespace));
            var response = new ListSearchAttributesResponse();
            response.CustomAttributes.Add(ns.CustomSearchAttributes);
            foreach (var (name, type) in SystemSearchAttributes.All)
            {
                response.SystemAttributes[name] = type;
            }

            foreach (var (name, type) in ns.CustomSearchAttributes)
            {
                response.StorageSchema[name] = SearchAttributeValues.TypeName(type);
            }

            return response;
        }
    }

    private static string NamespaceName(string name) => string.IsNullOrEmpty(name) ? "default" : name;
}
