using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dstack.TemporalServer.Hosting;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Security;

/// <summary>A server with an API key: gRPC calls and the HTTP API need it; a client of the official SDK sends it as its ApiKey.</summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private readonly string _key = $"key-{Guid.NewGuid():N}";
    private EmbeddedTemporalServer _server = null!;

    private HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        _server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
        {
            options.ApiKey = _key;
            options.HttpPort = 0;
        });
        Http.BaseAddress = new Uri($"http://{_server.HttpAddress}/");
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task RightKey_StartsAndCompletesWorkflowWithWorker()
    {
        var client = await ConnectAsync(_key);
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<GreetWorkflow>());

        var result = await worker.ExecuteAsync(() =>
            client.ExecuteWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("owner"), new($"greet-{Guid.NewGuid()}", queue)));

        Assert.Equal("Hello, owner!", result);
    }

    [Fact]
    public async Task NoKey_CallRefusedAsUnauthenticated()
    {
        // Connecting succeeds, as with real Temporal: GetSystemInfo, which the SDK calls when it connects, is a health check.
        var client = await ConnectAsync(apiKey: null);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.StartWorkflowAsync("Greet", ["nobody"], new($"greet-{Guid.NewGuid()}", "tq")));

        Assert.Equal(RpcException.StatusCode.Unauthenticated, error.Code);
        Assert.Contains("requires its API key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongKey_RefusedAsUnauthenticated()
    {
        var client = await ConnectAsync("not-the-key");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.StartWorkflowAsync("Greet", ["nobody"], new($"greet-{Guid.NewGuid()}", "tq")));

        Assert.Equal(RpcException.StatusCode.Unauthenticated, error.Code);
        Assert.Contains("not this server's", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongKey_WorkerPollRefused()
    {
        var client = await ConnectAsync("not-the-key");

        var error = await Assert.ThrowsAsync<RpcException>(() => client.WorkflowService.PollWorkflowTaskQueueAsync(new()
        {
            Namespace = "default",
            TaskQueue = new() { Name = $"tq-{Guid.NewGuid()}" },
        }));

        Assert.Equal(RpcException.StatusCode.Unauthenticated, error.Code);
    }

    [Fact]
    public async Task NoKey_HealthCheckAnswers()
    {
        var client = await ConnectAsync(apiKey: null);

        Assert.True(await client.Connection.CheckHealthAsync());
    }

    [Fact]
    public async Task HttpApi_WithoutCredentials_401WithJsonError()
    {
        using var response = await Http.GetAsync(new Uri("api/v1/namespaces/default", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(16, json.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("requires its API key", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpApi_WrongBearer_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/v1/namespaces/default", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key + "x");

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task HttpApi_WithBearer_200()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/v1/namespaces/default", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key);

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("NAMESPACE_STATE_REGISTERED", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateUiLoginUrl_WithoutTheUi_Null() => Assert.Null(_server.CreateUiLoginUrl());

    [Fact]
    public async Task MalformedKey_FailsTheStart()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options => options.ApiKey = "two words"));
    }

    private Task<TemporalClient> ConnectAsync(string? apiKey) => TemporalClient.ConnectAsync(Options(apiKey));

    // An API key turns the SDK's TLS on by default; this server speaks plain HTTP/2.
    private TemporalClientConnectOptions Options(string? apiKey) =>
        new(_server.Address) { Namespace = "default", ApiKey = apiKey, Tls = new TlsOptions { Disabled = true } };

    [Workflow("Greet")]
    public sealed class GreetWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(string name) => Task.FromResult($"Hello, {name}!");
    }
}
