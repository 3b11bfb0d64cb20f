using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Dstack.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests;

/// <summary>
/// Starts the embedded server in-process, or uses a real Temporal server at DSTACK_TEST_TEMPORAL_ADDRESS,
/// so the same tests confirm that they encode real Temporal behaviour. With DSTACK_TEST_SERVER_DB=1 the embedded
/// server keeps its state in a temporary SQLite file, so the suite checks persistent mode too. With DSTACK_TEST_SERVER_TLS=1
/// it serves mutual TLS (certificates of a CA made for the run) and requires an API key, as Temporal Cloud does, and every
/// client of the suite (the SDK's, the HTTP API's, the health probe's) presents a client certificate and the key.
/// The HTTP API tests talk to the embedded server's HTTP port, or with a real server to DSTACK_TEST_TEMPORAL_HTTP_ADDRESS:
/// the Temporal UI server's address (`temporal server start-dev` serves it on port 8233), whose <c>/api/v1</c> routes
/// are the grpc-gateway JSON the Web UI reads.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime, IDisposable
{
    public const string Namespace = "default";

    /// <summary>Custom search attributes the tests use; registered at start like `temporal server start-dev --search-attribute`.</summary>
    public static readonly IDictionary<string, IndexedValueType> SearchAttributes = new Dictionary<string, IndexedValueType>
    {
        ["TestKeyword"] = IndexedValueType.Keyword,
        ["TestInt"] = IndexedValueType.Int,
        ["TestKeywordList"] = IndexedValueType.KeywordList,
        ["TestBool"] = IndexedValueType.Bool,
        ["TestDatetime"] = IndexedValueType.Datetime,
        ["TestDouble"] = IndexedValueType.Double,
        ["TestText"] = IndexedValueType.Text,
    };

    private EmbeddedTemporalServer? _server;
    private string? _databaseDirectory;
    private HttpClient? _http;
    private TestCertificates? _certificates;
    private string? _apiKey;

    public string Address { get; private set; } = string.Empty;

    public bool IsEmbedded => _server is not null;

    /// <summary>Gets a client of the HTTP API, its base address the server's HTTP address.</summary>
    public HttpClient Http => _http ?? throw new InvalidOperationException(
        "The HTTP API tests need DSTACK_TEST_TEMPORAL_HTTP_ADDRESS (host:port of the Temporal UI server, e.g. 127.0.0.1:8233) " +
        "when DSTACK_TEST_TEMPORAL_ADDRESS points at a real server.");

    public TemporalClient Client { get; private set; } = null!;

    public string? HttpAddress { get; private set; }

    /// <summary>Gets the scheme of the gRPC and HTTP API listeners: https when the server serves TLS.</summary>
    public string Scheme => _certificates is null ? "http" : "https";

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("DSTACK_TEST_TEMPORAL_ADDRESS");
        if (!string.IsNullOrEmpty(external))
        {
            Address = external;
            HttpAddress = Environment.GetEnvironmentVariable("DSTACK_TEST_TEMPORAL_HTTP_ADDRESS");
        }
        else
        {
            if (Environment.GetEnvironmentVariable("DSTACK_TEST_SERVER_DB") == "1")
            {
                _databaseDirectory = Directory.CreateTempSubdirectory("dstack-temporal-db-").FullName;
            }

            if (Environment.GetEnvironmentVariable("DSTACK_TEST_SERVER_TLS") == "1")
            {
                _certificates = TestCertificates.Create();
                _apiKey = $"conformance-{Guid.NewGuid():N}";
            }

            _server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
            {
                options.DatabasePath = _databaseDirectory is null ? null : Path.Combine(_databaseDirectory, "temporal.db");
                options.HttpPort = 0;
                options.ApiKey = _apiKey;
                options.Tls = _certificates is null
                    ? null
                    : new TemporalServerTls(_certificates.ServerCertificatePath, _certificates.ServerKeyPath, _certificates.CaPath);
                foreach (var (name, type) in SearchAttributes)
                {
                    options.SearchAttributes[name] = type;
                }
            });
            Address = _server.Address;
            HttpAddress = _server.HttpAddress;
        }

        if (!string.IsNullOrEmpty(HttpAddress))
        {
            _http = new HttpClient(CreateHttpHandler()) { BaseAddress = new Uri($"{Scheme}://{HttpAddress}/") };
            if (_apiKey is not null)
            {
                _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
            }
        }

        Client = await ConnectAsync();
        if (_server is null)
        {
            await Client.Connection.OperatorService.AddSearchAttributesAsync(new()
            {
                Namespace = Namespace,
                SearchAttributes = { SearchAttributes },
            });
        }
    }

    /// <summary>Connects a client of its own to the server (to <paramref name="namespace"/>), with the certificate and key when TLS is on.</summary>
    public Task<TemporalClient> ConnectAsync(string @namespace = Namespace) =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(Address)
        {
            Namespace = @namespace,
            ApiKey = _apiKey,
            Tls = _certificates is null ? null : new TlsOptions
            {
                ServerRootCACert = Pem(_certificates.CaPem),
                ClientCert = Pem(_certificates.ClientCertificatePem),
                ClientPrivateKey = Pem(_certificates.ClientKeyPem),
            },
        });

    /// <summary>A handler for raw HTTP/2 and HTTP API calls: with TLS on, trusting the run's CA and presenting the client certificate.</summary>
    public HttpMessageHandler CreateHttpHandler()
    {
        var handler = new SocketsHttpHandler();
        if (_certificates is { } certificates)
        {
            var ca = X509Certificate2.CreateFromPem(certificates.CaPem);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                chain!.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                return chain.Build((X509Certificate2)certificate!);
            };
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPem(certificates.ClientCertificatePem, certificates.ClientKeyPem)];
        }

        return handler;
    }

    public void Dispose()
    {
        _http?.Dispose();
    }

    private static byte[] Pem(string pem) => System.Text.Encoding.ASCII.GetBytes(pem);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_databaseDirectory is not null)
        {
            Directory.Delete(_databaseDirectory, recursive: true);
        }

        _certificates?.Dispose();
    }
}
