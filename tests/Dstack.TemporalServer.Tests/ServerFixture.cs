using Dstack.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests;

/// <summary>
/// Starts the embedded server in-process, or uses a real Temporal server at DSTACK_TEST_TEMPORAL_ADDRESS,
/// so the same tests confirm that they encode real Temporal behaviour. With DSTACK_TEST_SERVER_DB=1 the embedded
/// server keeps its state in a temporary SQLite file, so the suite checks persistent mode too.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
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

    public string Address { get; private set; } = string.Empty;

    public bool IsEmbedded => _server is not null;

    public TemporalClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("DSTACK_TEST_TEMPORAL_ADDRESS");
        if (!string.IsNullOrEmpty(external))
        {
            Address = external;
        }
        else
        {
            if (Environment.GetEnvironmentVariable("DSTACK_TEST_SERVER_DB") == "1")
            {
                _databaseDirectory = Directory.CreateTempSubdirectory("dstack-temporal-db-").FullName;
            }

            _server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
            {
                options.DatabasePath = _databaseDirectory is null ? null : Path.Combine(_databaseDirectory, "temporal.db");
                foreach (var (name, type) in SearchAttributes)
                {
                    options.SearchAttributes[name] = type;
                }
            });
            Address = _server.Address;
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

    public Task<TemporalClient> ConnectAsync() =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(Address) { Namespace = Namespace });

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
    }
}
