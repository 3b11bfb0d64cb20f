using System.Collections.Frozen;
using Grpc.Core;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>GetClusterInfo: the single-node cluster, described as `temporal server start-dev` describes its own.</content>
internal sealed partial class WorkflowServiceEndpoint
{
    /// <summary>
    /// The Temporal server release whose API and behaviour this server follows, reported by GetSystemInfo and
    /// GetClusterInfo. It must stay above 1.19: the Web UI turns its workflow filters and queries off for older servers.
    /// </summary>
    private const string ServerVersion = "1.29.0";

    /// <summary>The cluster name of `temporal server start-dev`.</summary>
    private const string ClusterName = "active";

    /// <summary>The failover version settings of `temporal server start-dev`'s single cluster.</summary>
    private const long FailoverVersionIncrement = 10;

    private const long InitialFailoverVersion = 1;

    /// <summary>The client versions real Temporal 1.29 accepts (its version checker's supported clients), by client name.</summary>
    private static readonly FrozenDictionary<string, string> SupportedClients = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["temporal-go"] = "<2.0.0",
        ["temporal-java"] = "<2.0.0",
        ["temporal-php"] = "<2.0.0",
        ["temporal-typescript"] = "<2.0.0",
        ["temporal-cli"] = "<2.0.0",
        ["temporal-server"] = "<2.0.0",
        ["temporal-ui"] = "<3.0.0",
        ["Nexus-go-sdk"] = "<2.0.0",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private GetClusterInfoResponse GetClusterInfo(GetClusterInfoRequest request, ServerCallContext context)
    {
        // Real Temporal names the plugin behind each store; this server keeps both in the same place.
        var store = _engine.IsPersistent ? "sqlite" : "memory";
        return new GetClusterInfoResponse
        {
            SupportedClients = { SupportedClients },
            ServerVersion = ServerVersion,
            ClusterId = _engine.ClusterId,
            ClusterName = ClusterName,

            // One process holds every workflow, as the development server's single history shard does.
            HistoryShardCount = 1,
            PersistenceStore = store,
            VisibilityStore = store,
            FailoverVersionIncrement = FailoverVersionIncrement,
            InitialFailoverVersion = InitialFailoverVersion,
        };
    }
}
