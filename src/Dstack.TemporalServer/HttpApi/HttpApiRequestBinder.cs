using System.Text;
using Dstack.TemporalServer.Grpc;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>
/// Builds a request message as grpc-gateway does: the body first (the whole request for <c>body: "*"</c>, one field
/// otherwise), then the path variables, then, unless the body is the whole request, the query parameters that no
/// variable or body already set.
/// </summary>
internal static class HttpApiRequestBinder
{
    /// <exception cref="Grpc.Core.RpcException">InvalidArgument: the body, a variable or a parameter does not fit the request.</exception>
    public static async Task<IMessage> BindAsync(HttpApiRoute route, IReadOnlyList<string> segments, HttpRequest request, CancellationToken cancellationToken)
    {
        var descriptor = route.Method.InputType;
        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        if (route.Body.Length > 0)
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(cancellationToken);
            if (!string.IsNullOrWhiteSpace(body))
            {
                if (route.Body == "*")
                {
                    message = ParseJson(body, descriptor);
                }
                else
                {
                    var field = descriptor.FindFieldByName(route.Body);
                    field.Accessor.SetValue(message, ParseJson(body, field.MessageType));
                }
            }
        }

        var bound = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < segments.Count; i++)
        {
            if (route.Segments[i].IsVariable)
            {
                var name = route.Segments[i].Text;
                try
                {
                    var chain = RequestFields.Resolve(descriptor, name) ?? throw new FormatException($"no field {name}");
                    RequestFields.Assign(message, chain, [segments[i]]);
                    bound.Add(RequestFields.ProtoPath(chain));
                }
                catch (FormatException e)
                {
                    throw ServerErrors.InvalidArgument($"type mismatch, parameter: {name}, error: {e.Message}");
                }
            }
        }

        if (route.Body != "*")
        {
            foreach (var (key, values) in request.Query)
            {
                try
                {
                    if (RequestFields.Resolve(descriptor, key) is { } chain && !IsSetElsewhere(RequestFields.ProtoPath(chain), bound, route.Body))
                    {
                        RequestFields.Assign(message, chain, values.OfType<string>().ToArray());
                    }
                }
                catch (FormatException e)
                {
                    throw ServerErrors.InvalidArgument(e.Message);
                }
            }
        }

        return message;
    }

    private static bool IsSetElsewhere(string path, HashSet<string> bound, string body) =>
        bound.Contains(path) || (body.Length > 0 && (path == body || path.StartsWith(body + ".", StringComparison.Ordinal)));

    private static IMessage ParseJson(string json, MessageDescriptor descriptor)
    {
        try
        {
            return HttpApiJson.Parser.Parse(json, descriptor);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            throw ServerErrors.InvalidArgument(e.Message);
        }
    }
}
