using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class ClusterInfoTests(ServerFixture server)
{
    [Fact]
    public async Task GetClusterInfo_AnyServer_ReportsVersionTheWebUiFiltersNeed()
    {
        var info = await server.Client.Connection.WorkflowService.GetClusterInfoAsync(new GetClusterInfoRequest());

        // The Web UI turns its workflow filters and queries off for servers up to 1.19.
        var release = info.ServerVersion.Split('-', '+')[0];
        Assert.True(Version.TryParse(release, out var version), $"serverVersion {info.ServerVersion} is not a version");
        Assert.True(version > new Version(1, 19, int.MaxValue), $"serverVersion {info.ServerVersion} is not above 1.19");

        var system = await server.Client.Connection.WorkflowService.GetSystemInfoAsync(new GetSystemInfoRequest());
        Assert.Equal(system.ServerVersion, info.ServerVersion);
    }

    [Fact]
    public async Task GetClusterInfo_AnyServer_ListsTheOfficialClientsWithVersionRanges()
    {
        var info = await server.Client.Connection.WorkflowService.GetClusterInfoAsync(new GetClusterInfoRequest());

        foreach (var client in new[] { "temporal-cli", "temporal-go", "temporal-java", "temporal-typescript", "temporal-server", "temporal-ui" })
        {
            Assert.True(info.SupportedClients.TryGetValue(client, out var range), $"{client} is not among the supported clients");
            Assert.StartsWith("<", range, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetClusterInfo_TwoConnections_SameClusterDescribedConsistently()
    {
        var first = await server.Client.Connection.WorkflowService.GetClusterInfoAsync(new GetClusterInfoRequest());
        var other = await server.ConnectAsync();
        var second = await other.Connection.WorkflowService.GetClusterInfoAsync(new GetClusterInfoRequest());

        Assert.False(string.IsNullOrEmpty(first.ClusterId));
        Assert.Equal(first.ClusterId, second.ClusterId);
        Assert.Equal("active", first.ClusterName);
        Assert.True(first.HistoryShardCount >= 1);
        Assert.False(string.IsNullOrEmpty(first.PersistenceStore));
        Assert.False(string.IsNullOrEmpty(first.VisibilityStore));

        // A single cluster's failover versions start at its initial version and step by the increment, which must be larger.
        Assert.True(first.FailoverVersionIncrement > 0);
        Assert.InRange(first.InitialFailoverVersion, 0, first.FailoverVersionIncrement - 1);
    }
}
