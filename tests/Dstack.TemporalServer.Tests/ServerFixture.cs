using Dstack.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests;

/// <summary>
/// Starts the embedded server in-process, or uses a real Temporal server at DSTACK_TEST_TEMPORAL_ADDRESS,
/// so the same tests confirm that they encode real Temporal behaviour.
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
            _server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
            {
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
    }
}
