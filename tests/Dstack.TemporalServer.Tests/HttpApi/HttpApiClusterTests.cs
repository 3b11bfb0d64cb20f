using System.Text.Json;

namespace Dstack.TemporalServer.Tests.HttpApi;

/// <summary>The namespace, cluster and search-attribute routes the Web UI reads on every page.</summary>
[Collection(ServerCollection.Name)]
public sealed class HttpApiClusterTests(ServerFixture server)
{
    [Fact]
    public async Task ListNamespaces_ContainsDefault()
    {
        var page = (await HttpApiResponse.GetAsync(server.Http, "api/v1/namespaces")).Ok();

        Assert.Contains(
            page.GetProperty("namespaces").EnumerateArray(),
            n => n.GetProperty("namespaceInfo").GetProperty("name").GetString() == ServerFixture.Namespace);
    }

    [Fact]
    public async Task DescribeNamespace_Default_RegisteredWithEnumName()
    {
        var info = (await HttpApiResponse.GetAsync(server.Http, "api/v1/namespaces/default")).Ok().GetProperty("namespaceInfo");

        Assert.Equal(ServerFixture.Namespace, info.GetProperty("name").GetString());
        Assert.Equal("NAMESPACE_STATE_REGISTERED", info.GetProperty("state").GetString());
    }

    [Fact]
    public async Task GetSystemInfo_ReportsCapabilities()
    {
        var info = (await HttpApiResponse.GetAsync(server.Http, "api/v1/system-info")).Ok();

        Assert.True(info.GetProperty("capabilities").GetProperty("signalAndQueryHeader").GetBoolean());
    }

    [Fact]
    public async Task GetClusterInfo_ReportsAServerVersionTheWebUiAccepts()
    {
        var info = (await HttpApiResponse.GetAsync(server.Http, "api/v1/cluster-info")).Ok();

        // The Web UI turns its visibility filters off for servers at 1.19 or below.
        var version = Version.Parse(info.GetProperty("serverVersion").GetString()!.Split('-')[0]);
        Assert.True(version > new Version(1, 19), version.ToString());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("clusterId").GetString()));
    }

    [Fact]
    public async Task ListSearchAttributes_OperatorService_TypesAsEnumNames()
    {
        var attributes = (await HttpApiResponse.GetAsync(server.Http, "api/v1/namespaces/default/search-attributes")).Ok();

        var custom = attributes.GetProperty("customAttributes");
        Assert.Equal("INDEXED_VALUE_TYPE_KEYWORD", custom.GetProperty("TestKeyword").GetString());
        Assert.Equal("INDEXED_VALUE_TYPE_INT", custom.GetProperty("TestInt").GetString());
        Assert.Equal("INDEXED_VALUE_TYPE_KEYWORD_LIST", custom.GetProperty("TestKeywordList").GetString());
        Assert.Equal("INDEXED_VALUE_TYPE_DATETIME", custom.GetProperty("TestDatetime").GetString());
        Assert.Equal("INDEXED_VALUE_TYPE_KEYWORD", attributes.GetProperty("systemAttributes").GetProperty("WorkflowId").GetString());
        Assert.Equal(JsonValueKind.Object, attributes.GetProperty("systemAttributes").ValueKind);
    }
}
