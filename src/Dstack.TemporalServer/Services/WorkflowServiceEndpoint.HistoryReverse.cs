using System.Buffers.Binary;
using System.Text;
using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>GetWorkflowExecutionHistoryReverse: a run's history newest first, a page at a time (the Web UI's default view).</content>
internal sealed partial class WorkflowServiceEndpoint
{
    /// <summary>Real Temporal's default and largest history page (<c>limit.historyMaxPageSize</c>).</summary>
    private const int HistoryMaxPageSize = 256;

    private GetWorkflowExecutionHistoryReverseResponse GetWorkflowExecutionHistoryReverse(GetWorkflowExecutionHistoryReverseRequest request, ServerCallContext context)
    {
        var pageSize = request.MaximumPageSize is > 0 and <= HistoryMaxPageSize ? request.MaximumPageSize : HistoryMaxPageSize;
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            WorkflowRun run;
            long last;
            if (request.NextPageToken.IsEmpty)
            {
                // Paging stays on the run found now, even when the workflow continues as new in between.
                run = ResolveRun(ns, request.Execution);
                last = run.History.Count;
            }
            else
            {
                var (runId, next) = ParseReversePageToken(request.NextPageToken);
                if (!string.IsNullOrEmpty(request.Execution?.RunId) && request.Execution.RunId != runId)
                {
                    throw ServerErrors.InvalidArgument("RunId in the request does not match the NextPageToken.");
                }

                run = ResolveRun(ns, new WorkflowExecution { WorkflowId = request.Execution?.WorkflowId ?? string.Empty, RunId = runId });
                last = next <= run.History.Count ? next : throw InvalidReversePageToken();
            }

            var first = Math.Max(1, last - pageSize + 1);
            var response = new GetWorkflowExecutionHistoryReverseResponse { History = new History() };
            for (var id = last; id >= first; id--)
            {
                response.History.Events.Add(run.History[(int)id - 1]);
            }

            if (first > 1)
            {
                response.NextPageToken = ReversePageToken(run.RunId, first - 1);
            }

            return response;
        }
    }

    /// <summary>The token names the run (later pages must not drift to a newer run) and the newest event of the next page.</summary>
    private static ByteString ReversePageToken(string runId, long nextEventId)
    {
        var bytes = new byte[sizeof(long) + Encoding.UTF8.GetByteCount(runId)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, nextEventId);
        Encoding.UTF8.GetBytes(runId, bytes.AsSpan(sizeof(long)));
        return ByteString.CopyFrom(bytes);
    }

    private static (string RunId, long NextEventId) ParseReversePageToken(ByteString token)
    {
        var span = token.Span;
        if (span.Length <= sizeof(long))
        {
            throw InvalidReversePageToken();
        }

        var next = BinaryPrimitives.ReadInt64BigEndian(span);
        return next >= 1 ? (Encoding.UTF8.GetString(span[sizeof(long)..]), next) : throw InvalidReversePageToken();
    }

    private static RpcException InvalidReversePageToken() => ServerErrors.InvalidArgument("Invalid NextPageToken.");
}
