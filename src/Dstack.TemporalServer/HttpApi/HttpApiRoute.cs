using Dstack.TemporalServer.Grpc;
using Google.Protobuf.Reflection;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>
/// One binding of a <c>google.api.http</c> rule: a verb and a path template whose variables fill fields of the
/// request, answered by the same endpoint as the gRPC method.
/// </summary>
/// <param name="Verb">The HTTP method, upper case.</param>
/// <param name="Segments">The path template, split at <c>/</c>.</param>
/// <param name="Body">The rule's body: empty (query parameters fill the request), <c>*</c> (the whole request) or one field's name.</param>
/// <param name="Method">The gRPC method the binding calls.</param>
/// <param name="Endpoint">The endpoint that answers the method.</param>
internal sealed record HttpApiRoute(
    string Verb,
    IReadOnlyList<RouteSegment> Segments,
    string Body,
    MethodDescriptor Method,
    IDescriptorEndpoint Endpoint)
{
    /// <summary>Gets the method's gRPC path, as handlers see it in <c>ServerCallContext.Method</c>.</summary>
    public string GrpcMethod { get; } = $"/{Method.Service.FullName}/{Method.Name}";

    /// <summary>
    /// Gets how specific the template is, segment by segment (a literal is 1, a variable 0), so that ordering by it,
    /// highest first, tries <c>/workflows/count</c> before <c>/workflows/{id}</c>.
    /// </summary>
    public string Specificity { get; } = string.Concat(Segments.Select(s => s.IsVariable ? '0' : '1'));

    /// <summary>Whether the template's literals equal the request's (decoded) segments; variables match any segment.</summary>
    public bool Matches(IReadOnlyList<string> segments)
    {
        if (segments.Count != Segments.Count)
        {
            return false;
        }

        for (var i = 0; i < segments.Count; i++)
        {
            if (!Segments[i].IsVariable && !string.Equals(segments[i], Segments[i].Text, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
