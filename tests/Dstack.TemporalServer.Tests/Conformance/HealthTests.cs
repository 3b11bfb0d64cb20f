using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Health.V1;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>The standard gRPC health service, grpc.health.v1.Health, as real Temporal's frontend serves it.</summary>
[Collection(ServerCollection.Name)]
public sealed class HealthTests(ServerFixture server)
{
    [Fact]
    public async Task CheckHealth_SdkConnection_ReportsServing()
    {
        Assert.True(await server.Client.Connection.CheckHealthAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("temporal.api.workflowservice.v1.WorkflowService")]
    public async Task HealthCheck_KnownService_Serving(string service)
    {
        var (status, response) = await CheckAsync(service);

        Assert.Equal("0", status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response?.Status);
    }

    [Fact]
    public async Task HealthCheck_UnknownService_NotFound()
    {
        var (status, _) = await CheckAsync("no.such.Service");

        Assert.Equal("5", status); // NOT_FOUND
    }

    /// <summary>One unary gRPC call over plain HTTP/2, as any load balancer's probe makes it; returns grpc-status and the reply.</summary>
    private async Task<(string? Status, HealthCheckResponse? Response)> CheckAsync(string service)
    {
        var body = new HealthCheckRequest { Service = service }.ToByteArray();
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
        body.CopyTo(frame, 5);
        using var http = new HttpClient(server.CreateHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{server.Scheme}://{server.Address}/grpc.health.v1.Health/Check"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var reply = await http.SendAsync(request);
        var bytes = await reply.Content.ReadAsByteArrayAsync();

        // An error comes "trailers-only": grpc-status in the headers and no message.
        var status = reply.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.First()
            : reply.Headers.TryGetValues("grpc-status", out var header) ? header.First()
            : null;
        var message = bytes.Length >= 5 ? HealthCheckResponse.Parser.ParseFrom(bytes.AsSpan(5).ToArray()) : null;
        return (status, message);
    }
}
