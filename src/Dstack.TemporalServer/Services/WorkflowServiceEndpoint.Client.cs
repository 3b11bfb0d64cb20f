using System.Buffers.Binary;
using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>What clients call on one workflow: signal, query, cancel, terminate, describe and history.</content>
internal sealed partial class WorkflowServiceEndpoint
{
    private SignalWorkflowExecutionResponse SignalWorkflowExecution(SignalWorkflowExecutionRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.SignalName))
        {
            throw ServerErrors.InvalidArgument("SignalName is not set on request.");
        }

        CheckBlob(request.Input);
        lock (_engine.Gate)
        {
            var run = ResolveRun(_engine.Namespace(request.Namespace), request.WorkflowExecution);
            if (!run.IsOpen)
            {
                throw ServerErrors.WorkflowCompleted();
            }

            run.Signal(request.SignalName, request.Input, request.Identity, request.Header);
            return new SignalWorkflowExecutionResponse();
        }
    }

    private async Task<IMessage> QueryWorkflowAsync(QueryWorkflowRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Query?.QueryType))
        {
            throw ServerErrors.InvalidArgument("QueryType is not set on request.");
        }

        WorkflowRun run;
        PendingQuery query;
        lock (_engine.Gate)
        {
            run = ResolveRun(_engine.Namespace(request.Namespace), request.Execution);
            var rejected = request.QueryRejectCondition switch
            {
                QueryRejectCondition.NotOpen => !run.IsOpen,
                QueryRejectCondition.NotCompletedCleanly => run.Status is not (WorkflowExecutionStatus.Running or WorkflowExecutionStatus.Completed),
                _ => false,
            };
            if (rejected)
            {
                return new QueryWorkflowResponse { QueryRejected = new QueryRejected { Status = run.Status } };
            }

            if (!run.IsOpen && run.LastCompletedWftStartedEventId == 0)
            {
                throw ServerErrors.WorkflowNotReady();
            }

            query = run.AddQuery(request.Query);
        }

        RespondQueryTaskCompletedRequest answer;
        try
        {
            answer = await query.Answer.Task.WaitAsync(context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            lock (_engine.Gate)
            {
                run.RemoveQuery(query);
            }

            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "query timed out before a worker answered"));
        }

        return answer.CompletedType == QueryResultType.Answered
            ? new QueryWorkflowResponse { QueryResult = answer.QueryResult }
            : throw ServerErrors.QueryFailed(answer.ErrorMessage, answer.Failure);
    }

    private RequestCancelWorkflowExecutionResponse RequestCancelWorkflowExecution(RequestCancelWorkflowExecutionRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var run = ResolveRun(_engine.Namespace(request.Namespace), request.WorkflowExecution);
            if (run.IsOpen)
            {
                run.RequestCancel(request.Reason, request.Identity);
            }

            return new RequestCancelWorkflowExecutionResponse();
        }
    }

    private TerminateWorkflowExecutionResponse TerminateWorkflowExecution(TerminateWorkflowExecutionRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var run = ResolveRun(_engine.Namespace(request.Namespace), request.WorkflowExecution);
            if (!run.IsOpen)
            {
                throw ServerErrors.WorkflowCompleted();
            }

            run.Terminate(request.Reason, request.Details, request.Identity);
            return new TerminateWorkflowExecutionResponse();
        }
    }

    private DescribeWorkflowExecutionResponse DescribeWorkflowExecution(DescribeWorkflowExecutionRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var run = ResolveRun(_engine.Namespace(request.Namespace), request.Execution);
            var response = new DescribeWorkflowExecutionResponse
            {
                ExecutionConfig = new WorkflowExecutionConfig
                {
                    TaskQueue = run.StartedAttributes.TaskQueue,
                    WorkflowExecutionTimeout = run.StartedAttributes.WorkflowExecutionTimeout,
                    WorkflowRunTimeout = run.StartedAttributes.WorkflowRunTimeout,
                    DefaultWorkflowTaskTimeout = run.StartedAttributes.WorkflowTaskTimeout,
                },
                WorkflowExecutionInfo = ExecutionInfo(run),
            };
            response.WorkflowExecutionInfo.Priority = run.StartedAttributes.Priority;
            foreach (var activity in run.Activities.Values)
            {
                response.PendingActivities.Add(PendingActivity(activity, _engine.UtcNow));
            }

            foreach (var child in run.Children.Values)
            {
                response.PendingChildren.Add(new PendingChildExecutionInfo
                {
                    WorkflowId = child.Attributes.WorkflowId,
                    RunId = child.StartedRunId,
                    WorkflowTypeName = child.Attributes.WorkflowType.Name,
                    InitiatedId = child.InitiatedEventId,
                    ParentClosePolicy = child.Attributes.ParentClosePolicy,
                });
            }

            if (run.IsOpen && run.Wft != WftPhase.None)
            {
                response.PendingWorkflowTask = new PendingWorkflowTaskInfo
                {
                    State = run.Wft == WftPhase.Started ? PendingWorkflowTaskState.Started : PendingWorkflowTaskState.Scheduled,
                    ScheduledTime = Timestamp.FromDateTime(run.WftScheduledTime),
                    OriginalScheduledTime = Timestamp.FromDateTime(run.WftScheduledTime),
                    StartedTime = run.Wft == WftPhase.Started ? Timestamp.FromDateTime(run.WftStartedTime) : null,
                    Attempt = run.WftAttempt,
                };
            }

            return response;
        }
    }

    private static PendingActivityInfo PendingActivity(ActivityState activity, DateTime now)
    {
        var info = new PendingActivityInfo
        {
            ActivityId = activity.Attributes.ActivityId,
            ActivityType = activity.Attributes.ActivityType,
            State = activity.CancelRequested ? PendingActivityState.CancelRequested
                : activity.Started ? (activity.Paused ? PendingActivityState.PauseRequested : PendingActivityState.Started)
                : activity.Paused ? PendingActivityState.Paused
                : PendingActivityState.Scheduled,
            Paused = activity.Paused,
            HeartbeatDetails = activity.HeartbeatDetails,
            Attempt = activity.Attempt,
            MaximumAttempts = activity.Attributes.RetryPolicy?.MaximumAttempts ?? 0,
            ScheduledTime = Timestamp.FromDateTime(activity.CurrentAttemptScheduledTime),
            LastFailure = activity.LastFailure,
            LastWorkerIdentity = activity.LastWorkerIdentity,
            Priority = activity.Attributes.Priority,
        };
        if (activity.LastHeartbeatTime is { } beat)
        {
            info.LastHeartbeatTime = Timestamp.FromDateTime(beat);
        }

        if (activity.Started)
        {
            info.LastStartedTime = Timestamp.FromDateTime(activity.StartedTime);
        }
        else if (activity.CurrentAttemptScheduledTime > now && !activity.Paused)
        {
            // A retry waiting out its backoff: real Temporal reports when the next attempt is due.
            info.NextAttemptScheduleTime = Timestamp.FromDateTime(activity.CurrentAttemptScheduledTime);
        }

        if (activity.Pause is { } pause)
        {
            info.PauseInfo = new PendingActivityInfo.Types.PauseInfo
            {
                PauseTime = Timestamp.FromDateTime(pause.PauseTime),
                Manual = new PendingActivityInfo.Types.PauseInfo.Types.Manual { Identity = pause.Identity, Reason = pause.Reason },
            };
        }

        var scheduleToClose = activity.Attributes.ScheduleToCloseTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (scheduleToClose > TimeSpan.Zero)
        {
            info.ExpirationTime = Timestamp.FromDateTime(activity.ScheduledTime + scheduleToClose);
        }

        return info;
    }

    private async Task<IMessage> GetWorkflowExecutionHistoryAsync(GetWorkflowExecutionHistoryRequest request, ServerCallContext context)
    {
        var closeOnly = request.HistoryEventFilterType == HistoryEventFilterType.CloseEvent;
        var from = request.NextPageToken.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(request.NextPageToken.Span) : 1;
        var wait = LongPollWait(context, _engine.Options.HistoryLongPollTimeout);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        timeout.CancelAfter(wait);
        while (true)
        {
            Task changed;
            lock (_engine.Gate)
            {
                var run = ResolveRun(_engine.Namespace(request.Namespace), request.Execution);
                var response = new GetWorkflowExecutionHistoryResponse { History = new History() };
                if (closeOnly)
                {
                    if (run.CloseEvent is { } close)
                    {
                        response.History.Events.Add(close);
                        return response;
                    }
                }
                else if (run.History.Count >= from)
                {
                    response.History.Events.AddRange(run.History.Skip((int)from - 1));
                    if (run.IsOpen && request.WaitNewEvent)
                    {
                        response.NextPageToken = PageToken(run.History.Count + 1);
                    }

                    return response;
                }

                if (!request.WaitNewEvent || (!run.IsOpen && !closeOnly) || timeout.IsCancellationRequested)
                {
                    // The long poll ran out: no events and a token to poll again, as real Temporal answers.
                    response.NextPageToken = request.WaitNewEvent && run.IsOpen ? PageToken(closeOnly ? from : run.History.Count + 1) : ByteString.Empty;
                    return response;
                }

                changed = closeOnly ? run.Closed : run.Changed;
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
            {
                // Loop once more to answer with an empty page.
            }
        }
    }

    private static ByteString PageToken(long nextEventId)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, nextEventId);
        return ByteString.CopyFrom(bytes);
    }
}
