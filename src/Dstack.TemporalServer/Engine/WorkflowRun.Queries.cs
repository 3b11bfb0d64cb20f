using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>Queries: piggy-backed on the next workflow task, or sent as direct query tasks.</content>
internal sealed partial class WorkflowRun
{
    private readonly List<PendingQuery> _queuedQueries = [];
    private readonly List<PendingQuery> _inFlightQueries = [];
    private readonly Dictionary<string, PendingQuery> _directQueries = new(StringComparer.Ordinal);

    /// <summary>Adds a query as real Temporal does: direct when no workflow task is pending, else with the next one.</summary>
    public PendingQuery AddQuery(WorkflowQuery query)
    {
        var pending = new PendingQuery(Guid.NewGuid().ToString(), query);
        if (!IsOpen || (Wft == WftPhase.None && LastCompletedWftStartedEventId > 0))
        {
            DispatchDirectly(pending);
        }
        else
        {
            _queuedQueries.Add(pending);
        }

        return pending;
    }

    public void RemoveQuery(PendingQuery query)
    {
        _queuedQueries.Remove(query);
        _inFlightQueries.Remove(query);
        _directQueries.Remove(query.Id);
    }

    public bool TryAnswerDirectQuery(string queryId, RespondQueryTaskCompletedRequest answer)
    {
        if (!_directQueries.Remove(queryId, out var query))
        {
            return false;
        }

        query.Answer.TrySetResult(answer);
        return true;
    }

    /// <summary>Answers the queries that rode on the completed workflow task; the unanswered ones wait for the next task or go direct.</summary>
    public void AnswerInFlightQueries(IDictionary<string, WorkflowQueryResult> results, bool newTaskScheduled)
    {
        // The next task may already have started (a waiting poller takes it at once) with queries of its own.
        var completed = _inFlightQueries.Count == 0 ? [] : _inFlightQueries.FindAll(q => q.WorkflowTaskStartedEventId == LastCompletedWftStartedEventId);
        _inFlightQueries.RemoveAll(completed.Contains);
        foreach (var query in completed)
        {
            if (results.TryGetValue(query.Id, out var result))
            {
                query.Answer.TrySetResult(new RespondQueryTaskCompletedRequest
                {
                    CompletedType = result.ResultType,
                    QueryResult = result.Answer,
                    ErrorMessage = result.ErrorMessage,
                    Failure = result.Failure,
                });
            }
            else if (newTaskScheduled)
            {
                _queuedQueries.Add(query);
            }
            else
            {
                DispatchDirectly(query);
            }
        }

        if (!newTaskScheduled && Wft == WftPhase.None)
        {
            DispatchQueuedQueriesDirectly();
        }
    }

    private void AttachQueuedQueries(PollWorkflowTaskQueueResponse response)
    {
        foreach (var query in _queuedQueries)
        {
            if (!query.Answer.Task.IsCompleted)
            {
                response.Queries[query.Id] = query.Query;
                query.WorkflowTaskStartedEventId = response.StartedEventId;
                _inFlightQueries.Add(query);
            }
        }

        _queuedQueries.Clear();
    }

    private void RequeueInFlightQueries()
    {
        _queuedQueries.InsertRange(0, _inFlightQueries);
        _inFlightQueries.Clear();
    }

    private void DispatchQueuedQueriesDirectly()
    {
        RequeueInFlightQueries();
        foreach (var query in _queuedQueries)
        {
            DispatchDirectly(query);
        }

        _queuedQueries.Clear();
    }

    private void DispatchDirectly(PendingQuery query)
    {
        _directQueries[query.Id] = query;
        Namespace.WorkflowQueue(TaskQueueName).Add(new QueryTaskEntry(this, query));
    }

    private PollWorkflowTaskQueueResponse? TryStartQueryTask(PendingQuery query)
    {
        if (query.Answer.Task.IsCompleted || !_directQueries.ContainsKey(query.Id))
        {
            return null;
        }

        var now = Timestamp.FromDateTime(Engine.UtcNow);
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = new TaskToken(TaskTokenKind.QueryTask, Namespace.Name, WorkflowId, RunId, 0, 1, query.Id).ToByteString(),
            WorkflowExecution = ExecutionRef,
            WorkflowType = StartedAttributes.WorkflowType,
            PreviousStartedEventId = LastCompletedWftStartedEventId,
            StartedEventId = 0,
            Attempt = 1,
            History = new History(),
            NextPageToken = ByteString.Empty,
            Query = query.Query,
            WorkflowExecutionTaskQueue = new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal },
            ScheduledTime = now,
            StartedTime = now,
        };
        response.History.Events.AddRange(History);
        return response;
    }

    private sealed record QueryTaskEntry(WorkflowRun Run, PendingQuery Query) : IQueuedTask
    {
        public IMessage? TryStart(PollerInfo poller) => Run.TryStartQueryTask(Query);
    }
}
