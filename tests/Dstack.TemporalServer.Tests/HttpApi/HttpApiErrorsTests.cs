using System.Net;

namespace Dstack.TemporalServer.Tests.HttpApi;

/// <summary>Errors as grpc-gateway writes them: the gRPC status as JSON under the HTTP status of its code.</summary>
[Collection(ServerCollection.Name)]
public sealed class HttpApiErrorsTests(ServerFixture server)
{
    [Fact]
    public async Task DescribeWorkflow_Missing_Returns404WithNotFoundCode()
    {
        var response = await HttpApiResponse.GetAsync(server.Http, $"api/v1/namespaces/default/workflows/missing-{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal(5, response.Json.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(response.Json.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task DescribeNamespace_Missing_Returns404WithTypedDetail()
    {
        var name = $"missing-{Guid.NewGuid()}";
        var response = await HttpApiResponse.GetAsync(server.Http, $"api/v1/namespaces/{name}");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal(5, response.Json.GetProperty("code").GetInt32());
        var detail = Assert.Single(response.Json.GetProperty("details").EnumerateArray());
        Assert.Equal("type.googleapis.com/temporal.api.errordetails.v1.NamespaceNotFoundFailure", detail.GetProperty("@type").GetString());
        Assert.Equal(name, detail.GetProperty("namespace").GetString());
    }

    [Fact]
    public async Task StartWorkflow_SameIdTwice_Returns409WithAlreadyStartedDetail()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var path = $"api/v1/namespaces/default/workflows/{id}";
        string Body() => $$"""{"workflowType":{"name":"HttpApiWorkflow"},"taskQueue":{"name":"tq-{{Guid.NewGuid()}}"},"requestId":"{{Guid.NewGuid()}}"}""";

        var first = (await HttpApiResponse.PostAsync(server.Http, path, Body())).Ok();
        var second = await HttpApiResponse.PostAsync(server.Http, path, Body());

        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal(6, second.Json.GetProperty("code").GetInt32());
        var detail = Assert.Single(second.Json.GetProperty("details").EnumerateArray());
        Assert.Equal("type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure", detail.GetProperty("@type").GetString());
        Assert.Equal(first.GetProperty("runId").GetString(), detail.GetProperty("runId").GetString());
        await server.Client.GetWorkflowHandle(id).TerminateAsync();
    }

    [Fact]
    public async Task ListWorkflows_InvalidVisibilityQuery_Returns400InvalidArgument()
    {
        var response = await HttpApiResponse.GetAsync(server.Http, $"api/v1/namespaces/default/workflows?query={Uri.EscapeDataString("WorkflowType = ")}");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(3, response.Json.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("api/v1/namespaces/default/workflows/x/history?waitNewEvent=maybe")]
    [InlineData("api/v1/namespaces/default/workflows?pageSize=many")]
    public async Task Get_UnparsableQueryParameter_Returns400InvalidArgument(string path)
    {
        var response = await HttpApiResponse.GetAsync(server.Http, path);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(3, response.Json.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Post_MalformedJsonBody_Returns400InvalidArgument()
    {
        var response = await HttpApiResponse.PostAsync(server.Http, $"api/v1/namespaces/default/workflows/wf-{Guid.NewGuid()}/signal/Note", "{\"input\": [");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(3, response.Json.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Get_UnknownRoute_Returns404NotFound()
    {
        var response = await HttpApiResponse.GetAsync(server.Http, "api/v1/no-such-route");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal(5, response.Json.GetProperty("code").GetInt32());
        Assert.Equal("Not Found", response.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Delete_RouteOfAnotherVerb_Returns501MethodNotAllowed()
    {
        var response = await HttpApiResponse.SendAsync(server.Http, HttpMethod.Delete, "api/v1/namespaces/default/workflows/some-id");

        Assert.Equal(HttpStatusCode.NotImplemented, response.Status);
        Assert.Equal(12, response.Json.GetProperty("code").GetInt32());
        Assert.Equal("Method Not Allowed", response.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task GrpcPort_HttpApiRoute_IsNotServed()
    {
        using var http = new HttpClient(server.CreateHttpHandler()) { BaseAddress = new Uri($"{server.Scheme}://{server.Address}/") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces")
        {
            // The gRPC port speaks HTTP/2 only; ask for it without upgrade, as gRPC clients do.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await http.SendAsync(request);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("namespaceInfo", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
