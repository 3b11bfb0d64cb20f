using Dstack.TemporalServer.Hosting;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests.Services;

/// <summary>
/// A namespace's data (<c>NamespaceInfo.Data</c>), which real Temporal keeps from <c>RegisterNamespace</c> and
/// <c>UpdateNamespace</c>: the embedded server returns what its host set, so a client can tell whose server it is.
/// </summary>
public sealed class NamespaceDataTests
{
    [Fact]
    public async Task DescribeAndListNamespaces_HostSetData_ReturnedForEveryNamespace()
    {
        await using var server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
        {
            options.Namespaces.Add("other");
            options.NamespaceData["owner.home"] = "/home/ana/.dstack";
            options.NamespaceData["owner.user"] = "ana";
        });
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });

        var described = await client.WorkflowService.DescribeNamespaceAsync(new DescribeNamespaceRequest { Namespace = "other" });
        var listed = await client.WorkflowService.ListNamespacesAsync(new ListNamespacesRequest());

        Assert.Equal("/home/ana/.dstack", described.NamespaceInfo.Data["owner.home"]);
        Assert.Equal("ana", described.NamespaceInfo.Data["owner.user"]);
        Assert.All(listed.Namespaces, n => Assert.Equal(2, n.NamespaceInfo.Data.Count));
    }

    [Fact]
    public async Task DescribeNamespace_NoData_EmptyAsOnAFreshRealServer()
    {
        await using var server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0);
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });

        var described = await client.WorkflowService.DescribeNamespaceAsync(new DescribeNamespaceRequest { Namespace = "default" });

        Assert.Empty(described.NamespaceInfo.Data);
    }
}
