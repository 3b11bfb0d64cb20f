using System.Globalization;
using System.Text;
using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Dstack.TemporalServer.Visibility;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>Server and namespace information, and the visibility API (list and count).</content>
internal sealed partial class WorkflowServiceEndpoint
{
    private const int DefaultPageSize = 1000;

    private GetSystemInfoResponse GetSystemInfo(GetSystemInfoRequest request, ServerCallContext context) => new()
    {
        ServerVersion = ServerVersion,
        Capabilities = new GetSystemInfoResponse.Types.Capabilities
        {
            SignalAndQueryHeader = true,
            InternalErrorDifferentiation = true,
            ActivityFailureIncludeHeartbeat = true,
            EncodedFailureAttributes = true,
            UpsertMemo = true,
            SdkMetadata = true,
            CountGroupByExecutionStatus = true,

            // Workers then stamp each completed workflow task with their build ID, which replay reads back.
            BuildIdBasedVersioning = true,
        },
    };

    private DescribeNamespaceResponse DescribeNamespace(DescribeNamespaceRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var ns = !string.IsNullOrEmpty(request.Id)
                ? _engine.Namespaces.FirstOrDefault(n => n.Id == request.Id) ?? throw ServerErrors.NamespaceNotFound(request.Id)
                : _engine.Namespace(request.Namespace);
            return DescribeNamespace(ns);
        }
    }

    private ListNamespacesResponse ListNamespaces(ListNamespacesRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var response = new ListNamespacesResponse();
            response.Namespaces.AddRange(_engine.Namespaces.Select(DescribeNamespace));
            return response;
        }
    }

    private DescribeNamespaceResponse DescribeNamespace(ServerNamespace ns) => new()
    {
        NamespaceInfo = new NamespaceInfo
        {
            Data = { _engine.Options.NamespaceData },
            Name = ns.Name,
            Id = ns.Id,
            State = Temporalio.Api.Enums.V1.NamespaceState.Registered,
            Capabilities = new NamespaceInfo.Types.Capabilities(),
            Limits = new NamespaceInfo.Types.Limits
            {
                BlobSizeLimitError = _engine.Options.BlobSizeLimit,
                MemoSizeLimitError = _engine.Options.BlobSizeLimit,
            },
        },
        Config = new NamespaceConfig { WorkflowExecutionRetentionTtl = Duration.FromTimeSpan(_engine.Options.Retention) },
    };


    private ListWorkflowExecutionsResponse ListWorkflowExecutions(ListWorkflowExecutionsRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            var query = ParseQuery(ns, request.Query);
            if (query.GroupByExecutionStatus)
            {
                throw ServerErrors.InvalidArgument("invalid query: 'group by' clause is only supported in count query");
            }

            var offset = request.NextPageToken.Length > 0 ? int.Parse(Encoding.UTF8.GetString(request.NextPageToken.Span), CultureInfo.InvariantCulture) : 0;
            var pageSize = request.PageSize > 0 ? request.PageSize : DefaultPageSize;
            var matches = Sort(ns.RunsById.Values.Where(query.Matches), query.OrderBy).Skip(offset).Take(pageSize + 1).ToList();
            var response = new ListWorkflowExecutionsResponse();
            response.Executions.AddRange(matches.Take(pageSize).Select(ExecutionInfo));
            if (matches.Count > pageSize)
            {
                response.NextPageToken = ByteString.CopyFromUtf8((offset + pageSize).ToString(CultureInfo.InvariantCulture));
            }

            return response;
        }
    }

    private CountWorkflowExecutionsResponse CountWorkflowExecutions(CountWorkflowExecutionsRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            var query = ParseQuery(ns, request.Query);
            var matches = ns.RunsById.Values.Where(query.Matches).ToList();
            var response = new CountWorkflowExecutionsResponse { Count = matches.Count };
            if (query.GroupByExecutionStatus)
            {
                foreach (var group in matches.GroupBy(r => r.Status).OrderBy(g => (int)g.Key))
                {
                    var aggregation = new CountWorkflowExecutionsResponse.Types.AggregationGroup { Count = group.Count() };
                    aggregation.GroupValues.Add(SearchAttributeValues.WithType(
                        new Payload { Data = ByteString.CopyFromUtf8("\"" + WorkflowRun.StatusName(group.Key) + "\"") },
                        IndexedValueType.Keyword));
                    response.Groups.Add(aggregation);
                }
            }

            return response;
        }
    }

    private static VisibilityQuery ParseQuery(ServerNamespace ns, string query)
    {
        var types = new Dictionary<string, IndexedValueType>(SystemSearchAttributes.All, StringComparer.Ordinal);
        foreach (var (name, type) in ns.CustomSearchAttributes)
        {
            types[name] = type;
        }

        try
        {
            return VisibilityQuery.Parse(query, types);
        }
        catch (VisibilityQueryException e)
        {
            throw ServerErrors.InvalidArgument("invalid query: " + e.Message);
        }
    }

    /// <summary>The SQL visibility store's order: open runs first, then by close time, start time and run ID, newest first.</summary>
    private static IEnumerable<WorkflowRun> Sort(IEnumerable<WorkflowRun> runs, IReadOnlyList<VisibilityOrder> orderBy)
    {
        if (orderBy.Count == 0)
        {
            return runs.OrderBy(r => r.CloseTime.HasValue)
                .ThenByDescending(r => r.CloseTime)
                .ThenByDescending(r => r.StartTime)
                .ThenBy(r => r.RunId, StringComparer.Ordinal);
        }

        IOrderedEnumerable<WorkflowRun>? sorted = null;
        foreach (var order in orderBy)
        {
            Func<WorkflowRun, object?> key = r => r.GetValue(order.Attribute);
            sorted = sorted is null
                ? (order.Descending ? runs.OrderByDescending(key, VisibilityValueComparer.Instance) : runs.OrderBy(key, VisibilityValueComparer.Instance))
                : (order.Descending ? sorted.ThenByDescending(key, VisibilityValueComparer.Instance) : sorted.ThenBy(key, VisibilityValueComparer.Instance));
        }

        return sorted!;
    }

    private static WorkflowExecutionInfo ExecutionInfo(WorkflowRun run)
    {
        var info = new WorkflowExecutionInfo
        {
            Execution = run.ExecutionRef,
            Type = run.StartedAttributes.WorkflowType,
            StartTime = Timestamp.FromDateTime(run.StartTime),
            ExecutionTime = Timestamp.FromDateTime(run.ExecutionTime),
            Status = run.Status,
            HistoryLength = run.History.Count,
            HistorySizeBytes = run.HistorySizeBytes,
            TaskQueue = run.TaskQueueName,
            Memo = run.Memo,
            FirstRunId = run.StartedAttributes.FirstExecutionRunId,
            StateTransitionCount = run.History.Count,
            RootExecution = run.RootExecution,
        };
        if (run.ParentExecution is { } parent)
        {
            info.ParentExecution = parent;
            info.ParentNamespaceId = run.StartedAttributes.ParentWorkflowNamespaceId;
        }

        if (run.CloseTime is { } closed)
        {
            info.CloseTime = Timestamp.FromDateTime(closed);
            info.ExecutionDuration = Duration.FromTimeSpan(closed - run.ExecutionTime);
        }

        if (run.SearchAttributes.Count > 0)
        {
            info.SearchAttributes = new SearchAttributes();
            foreach (var (name, payload) in run.SearchAttributes)
            {
                var type = run.Namespace.CustomSearchAttributes.TryGetValue(name, out var custom) ? custom
                    : SystemSearchAttributes.All.GetValueOrDefault(name, IndexedValueType.Keyword);
                info.SearchAttributes.IndexedFields[name] = SearchAttributeValues.WithType(payload, type);
            }
        }

        return info;
    }
}
