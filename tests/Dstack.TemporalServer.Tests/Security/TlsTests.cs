using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Dstack.TemporalServer.Hosting;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests.Security;

/// <summary>TLS and mutual TLS with certificates of a CA made by the test, the official SDK as the client.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task Tls_ClientTrustingTheCa_RunsCalls()
    {
        await using var server = await StartAsync(clientCa: false);

        var client = await TemporalClient.ConnectAsync(new(server.Address)
        {
            Tls = new TlsOptions { ServerRootCACert = Bytes(_certificates.CaPem), Domain = "localhost" },
        });

        var handle = await client.StartWorkflowAsync("NeverPolled", [], new($"tls-{Guid.NewGuid()}", $"tq-{Guid.NewGuid()}"));
        Assert.Equal(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
    }

    [Fact]
    public async Task Tls_PlaintextClient_Fails()
    {
        await using var server = await StartAsync(clientCa: false);

        await Assert.ThrowsAnyAsync<Exception>(() => TemporalClient.ConnectAsync(new(server.Address)));
    }

    [Fact]
    public async Task Tls_ClientNotTrustingTheCa_Fails()
    {
        await using var server = await StartAsync(clientCa: false);

        await Assert.ThrowsAnyAsync<Exception>(() => TemporalClient.ConnectAsync(new(server.Address) { Tls = new TlsOptions { Domain = "localhost" } }));
    }

    [Fact]
    public async Task MutualTls_ClientWithCertificate_RunsCalls()
    {
        await using var server = await StartAsync(clientCa: true);

        var client = await TemporalClient.ConnectAsync(new(server.Address)
        {
            Tls = new TlsOptions
            {
                ServerRootCACert = Bytes(_certificates.CaPem),
                Domain = "localhost",
                ClientCert = Bytes(_certificates.ClientCertificatePem),
                ClientPrivateKey = Bytes(_certificates.ClientKeyPem),
            },
        });

        Assert.True(await client.Connection.CheckHealthAsync());
        await client.StartWorkflowAsync("NeverPolled", [], new($"mtls-{Guid.NewGuid()}", $"tq-{Guid.NewGuid()}"));
    }

    [Fact]
    public async Task MutualTls_ClientWithoutCertificate_Fails()
    {
        await using var server = await StartAsync(clientCa: true);

        await Assert.ThrowsAnyAsync<Exception>(() => TemporalClient.ConnectAsync(new(server.Address)
        {
            Tls = new TlsOptions { ServerRootCACert = Bytes(_certificates.CaPem), Domain = "localhost" },
        }));
    }

    [Fact]
    public async Task MutualTls_CertificateOfAnotherCa_Fails()
    {
        await using var server = await StartAsync(clientCa: true);

        await Assert.ThrowsAnyAsync<Exception>(() => TemporalClient.ConnectAsync(new(server.Address)
        {
            Tls = new TlsOptions
            {
                ServerRootCACert = Bytes(_certificates.CaPem),
                Domain = "localhost",
                ClientCert = Bytes(_certificates.StrangerCertificatePem),
                ClientPrivateKey = Bytes(_certificates.StrangerKeyPem),
            },
        }));
    }

    [Fact]
    public async Task TlsWithApiKey_HttpApiServesHttpsAndWantsTheKey()
    {
        await using var server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
        {
            options.ApiKey = "the-key";
            options.HttpPort = 0;
            options.Tls = new TemporalServerTls(_certificates.ServerCertificatePath, _certificates.ServerKeyPath);
        });
        using var ca = X509Certificate2.CreateFromPem(_certificates.CaPem);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
        {
            chain!.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            return chain.Build((X509Certificate2)certificate!);
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://{server.HttpAddress}/") };

        using var refused = await http.GetAsync(new Uri("api/v1/namespaces/default", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/v1/namespaces/default", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "the-key");
        using var admitted = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
    }

    [Fact]
    public async Task MissingCertificateFile_FailsTheStart()
    {
        var missing = Path.Combine(_certificates.Directory, "missing.pem");

        await Assert.ThrowsAnyAsync<IOException>(() => EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
            options.Tls = new TemporalServerTls(missing, _certificates.ServerKeyPath)));
    }

    private Task<EmbeddedTemporalServer> StartAsync(bool clientCa) =>
        EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options => options.Tls = new TemporalServerTls(
            _certificates.ServerCertificatePath,
            _certificates.ServerKeyPath,
            clientCa ? _certificates.CaPath : null));

    private static byte[] Bytes(string pem) => System.Text.Encoding.ASCII.GetBytes(pem);
}
