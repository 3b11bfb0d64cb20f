using Dstack.TemporalServer.Hosting;

namespace Dstack.Workflows.Tests;

/// <summary>The embedded Temporal server as the workflow tests use it: any free port, dstack's search attributes registered.</summary>
internal static class TestServer
{
    /// <param name="suggestContinueAsNewAfterEvents">When Temporal suggests continuing as new; null for the server's default.</param>
    public static Task<EmbeddedTemporalServer> StartAsync(int? suggestContinueAsNewAfterEvents = null) =>
        EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, o =>
        {
            foreach (var key in DstackSearchAttributes.All)
            {
                o.SearchAttributes[key.Name] = key.ValueType;
            }

            if (suggestContinueAsNewAfterEvents is { } events)
            {
                o.SuggestContinueAsNewAfterEvents = events;
            }
        });
}
