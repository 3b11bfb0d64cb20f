using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// Keeps each listener to its own endpoints: those marked with <see cref="WebUiEndpointMetadata"/> answer only on the web
/// UI's listener, all others (gRPC) only on the gRPC one. A path no endpoint of the listener serves is a 404 there.
/// </summary>
internal sealed class WebUiListenerMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => true;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var onWebUiListener = httpContext.Features.Get<WebUiConnectionFeature>() is not null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var forWebUi = candidates[i].Endpoint.Metadata.GetMetadata<WebUiEndpointMetadata>() is not null;
            if (forWebUi != onWebUiListener)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
