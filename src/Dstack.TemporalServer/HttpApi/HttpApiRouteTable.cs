using Dstack.TemporalServer.Grpc;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Temporalio.Api.Dependencies.Google.Api;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>
/// The HTTP bindings of every method that carries a <c>google.api.http</c> rule, each rule's path and its additional
/// bindings (the <c>/api/v1/...</c> alternates), built once from the descriptors the Temporalio package ships.
/// </summary>
internal sealed class HttpApiRouteTable
{
    private readonly Dictionary<int, HttpApiRoute[]> _bySegmentCount;

    public HttpApiRouteTable(IEnumerable<(ServiceDescriptor Service, IDescriptorEndpoint Endpoint)> services)
    {
        var routes = new List<HttpApiRoute>();
        foreach (var (service, endpoint) in services)
        {
            foreach (var method in service.Methods)
            {
                // The rule type is the Temporalio package's own copy of google.api.HttpRule, so read it through its extension.
                if (method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is not { } rule)
                {
                    continue;
                }

                foreach (var binding in rule.AdditionalBindings.Prepend(rule))
                {
                    if (ToRoute(binding, method, endpoint) is { } route)
                    {
                        routes.Add(route);
                    }
                }
            }
        }

        Routes = routes;
        _bySegmentCount = routes
            .GroupBy(r => r.Segments.Count)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Specificity, StringComparer.Ordinal).ToArray());
    }

    /// <summary>Gets every binding.</summary>
    public IReadOnlyList<HttpApiRoute> Routes { get; }

    /// <summary>
    /// Finds the most specific binding of <paramref name="verb"/> whose template matches <paramref name="segments"/>;
    /// <paramref name="pathExists"/> tells whether some binding of another verb matches (grpc-gateway's "Method Not Allowed").
    /// </summary>
    public HttpApiRoute? Find(string verb, IReadOnlyList<string> segments, out bool pathExists)
    {
        pathExists = false;
        if (!_bySegmentCount.TryGetValue(segments.Count, out var candidates))
        {
            return null;
        }

        foreach (var route in candidates)
        {
            if (route.Matches(segments))
            {
                if (string.Equals(route.Verb, verb, StringComparison.OrdinalIgnoreCase))
                {
                    return route;
                }

                pathExists = true;
            }
        }

        return null;
    }

    private static HttpApiRoute? ToRoute(HttpRule rule, MethodDescriptor method, IDescriptorEndpoint endpoint)
    {
        var (verb, path) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            HttpRule.PatternOneofCase.Custom => (rule.Custom.Kind.ToUpperInvariant(), rule.Custom.Path),
            _ => (string.Empty, string.Empty),
        };
        if (!path.StartsWith('/'))
        {
            return null;
        }

        var segments = new List<RouteSegment>();
        foreach (var part in path[1..].Split('/'))
        {
            if (part.StartsWith('{') && part.EndsWith('}'))
            {
                // "{name}" and "{name=*}" take one segment; multi-segment captures ("**") and verbs (":cancel") appear
                // in no Temporal rule, so such a binding is left out rather than matched wrongly.
                var name = part[1..^1];
                var equals = name.IndexOf('=', StringComparison.Ordinal);
                if (equals >= 0 && name[(equals + 1)..] != "*")
                {
                    return null;
                }

                segments.Add(new RouteSegment(equals >= 0 ? name[..equals] : name, IsVariable: true));
            }
            else if (part.Contains('{', StringComparison.Ordinal) || part.Contains(':', StringComparison.Ordinal))
            {
                return null;
            }
            else
            {
                segments.Add(new RouteSegment(part, IsVariable: false));
            }
        }

        return new HttpApiRoute(verb, segments, rule.Body, method, endpoint);
    }
}
