using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Dstack.TemporalServer.Visibility;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>Start and signal-with-start, with real Temporal's ID reuse and conflict policies.</content>
internal sealed partial class WorkflowServiceEndpoint
{
    private const int MaxIdLength = 1000;

    private StartWorkflowExecutionResponse StartWorkflowExecution(StartWorkflowExecutionRequest request, ServerCallContext context)
    {
        var attributes = ValidateStart(request.Namespace, request.WorkflowId, request.WorkflowType, request.TaskQueue, request.Input,
            request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.SearchAttributes, request.Memo);
        attributes.Identity = request.Identity;
        attributes.Header = request.Header;
        attributes.RetryPolicy = WithRetryDefaults(request.RetryPolicy);
        attributes.FirstWorkflowTaskBackoff = request.WorkflowStartDelay;

        // Set by schedules: the last run's result or failure, which the new run reads as its last result or failure.
        attributes.LastCompletionResult = request.LastCompletionResult;
        attributes.ContinuedFailure = request.ContinuedFailure;
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            CheckSearchAttributes(ns, request.SearchAttributes);
            var existing = ns.CurrentRun(request.WorkflowId);
            if (existing is not null)
            {
                if (!string.IsNullOrEmpty(request.RequestId) && existing.RequestId == request.RequestId)
                {
                    return new StartWorkflowExecutionResponse { RunId = existing.RunId, Started = true };
                }

                var conflict = ResolveConflict(existing, request.RequestId, request.WorkflowIdReusePolicy, request.WorkflowIdConflictPolicy, WorkflowIdConflictPolicy.Fail);
                if (conflict is not null)
                {
                    return new StartWorkflowExecutionResponse { RunId = conflict.RunId, Started = false };
                }
            }

            var run = WorkflowStarter.Start(_engine, ns, request.WorkflowId, request.RequestId, attributes);
            return new StartWorkflowExecutionResponse { RunId = run.RunId, Started = true };
        }
    }

    private SignalWithStartWorkflowExecutionResponse SignalWithStartWorkflowExecution(SignalWithStartWorkflowExecutionRequest request, ServerCallContext context)
    {
        var attributes = ValidateStart(request.Namespace, request.WorkflowId, request.WorkflowType, request.TaskQueue, request.Input,
            request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.SearchAttributes, request.Memo);
        if (string.IsNullOrEmpty(request.SignalName))
        {
            throw ServerErrors.InvalidArgument("SignalName is not set on request.");
        }

        CheckBlob(request.SignalInput);
        attributes.Identity = request.Identity;
        attributes.Header = request.Header;
        attributes.RetryPolicy = WithRetryDefaults(request.RetryPolicy);
        attributes.FirstWorkflowTaskBackoff = request.WorkflowStartDelay;
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            CheckSearchAttributes(ns, request.SearchAttributes);
            var existing = ns.CurrentRun(request.WorkflowId);
            if (existing is not null)
            {
                // Signal-with-start signals an open run unless told otherwise (USE_EXISTING is its default).
                var conflict = ResolveConflict(existing, request.RequestId, request.WorkflowIdReusePolicy, request.WorkflowIdConflictPolicy, WorkflowIdConflictPolicy.UseExisting);
                if (conflict is not null)
                {
                    conflict.Signal(request.SignalName, request.SignalInput, request.Identity, request.Header);
                    return new SignalWithStartWorkflowExecutionResponse { RunId = conflict.RunId, Started = false };
                }
            }

            var runId = Guid.NewGuid().ToString();
            var signal = new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionSignaled,
                WorkflowExecutionSignaledEventAttributes = new WorkflowExecutionSignaledEventAttributes
                {
                    SignalName = request.SignalName,
                    Input = request.SignalInput,
                    Identity = request.Identity,
                    Header = request.Header,
                },
            };
            var run = WorkflowStarter.Start(_engine, ns, request.WorkflowId, request.RequestId, attributes, signal, runId);
            return new SignalWithStartWorkflowExecutionResponse { RunId = run.RunId, Started = true };
        }
    }

    /// <summary>
    /// Applies the conflict policy to an open run and the reuse policy to a closed one. Returns the run to use instead
    /// of starting (USE_EXISTING), null to go on and start, or throws AlreadyExists.
    /// </summary>
    private static WorkflowRun? ResolveConflict(WorkflowRun existing, string requestId, WorkflowIdReusePolicy reuse, WorkflowIdConflictPolicy conflict, WorkflowIdConflictPolicy defaultConflict)
    {
#pragma warning disable CS0612 // Deprecated in the API, yet older SDKs still send it and real Temporal still honours it.
        if (reuse == WorkflowIdReusePolicy.TerminateIfRunning)
#pragma warning restore CS0612
        {
            if (conflict != WorkflowIdConflictPolicy.Unspecified)
            {
                throw ServerErrors.InvalidArgument("Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy.");
            }

            conflict = WorkflowIdConflictPolicy.TerminateExisting;
            reuse = WorkflowIdReusePolicy.AllowDuplicate;
        }

        if (existing.IsOpen)
        {
            switch (conflict == WorkflowIdConflictPolicy.Unspecified ? defaultConflict : conflict)
            {
                case WorkflowIdConflictPolicy.UseExisting:
                    return existing;
                case WorkflowIdConflictPolicy.TerminateExisting:
                    existing.Terminate("terminated by new run", null, string.Empty);
                    return null;
                default:
                    throw ServerErrors.AlreadyStarted(
                        $"Workflow execution is already running. WorkflowId: {existing.WorkflowId}, RunId: {existing.RunId}.", requestId, existing.RunId);
            }
        }

        var failedBefore = existing.Status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.Canceled
            or WorkflowExecutionStatus.Terminated or WorkflowExecutionStatus.TimedOut;
        switch (reuse)
        {
            case WorkflowIdReusePolicy.RejectDuplicate:
                throw ServerErrors.AlreadyStarted(
                    $"Workflow execution already finished. WorkflowId: {existing.WorkflowId}, RunId: {existing.RunId}. Workflow Id reuse policy: reject duplicate workflow Id.",
                    requestId,
                    existing.RunId);
            case WorkflowIdReusePolicy.AllowDuplicateFailedOnly when !failedBefore:
                throw ServerErrors.AlreadyStarted(
                    $"Workflow execution already finished successfully. WorkflowId: {existing.WorkflowId}, RunId: {existing.RunId}. Workflow Id reuse policy: allow duplicate workflow Id if last run failed.",
                    requestId,
                    existing.RunId);
            default:
                return null;
        }
    }

    private WorkflowExecutionStartedEventAttributes ValidateStart(
        string ns, string workflowId, WorkflowType? type, TaskQueue? taskQueue, Payloads? input,
        Duration? executionTimeout, Duration? runTimeout, Duration? taskTimeout, SearchAttributes? searchAttributes, Memo? memo)
    {
        if (string.IsNullOrEmpty(ns))
        {
            throw ServerErrors.InvalidArgument("Namespace not set on request.");
        }

        if (string.IsNullOrEmpty(workflowId))
        {
            throw ServerErrors.InvalidArgument("WorkflowId is not set on request.");
        }

        if (workflowId.Length > MaxIdLength)
        {
            throw ServerErrors.InvalidArgument("WorkflowId exceeds length limit.");
        }

        if (string.IsNullOrEmpty(type?.Name))
        {
            throw ServerErrors.InvalidArgument("WorkflowType is not set on request.");
        }

        if (string.IsNullOrEmpty(taskQueue?.Name))
        {
            throw ServerErrors.InvalidArgument("TaskQueue is not set on request.");
        }

        if (IsNegative(executionTimeout) || IsNegative(runTimeout) || IsNegative(taskTimeout))
        {
            throw ServerErrors.InvalidArgument("Invalid WorkflowExecutionTimeout, WorkflowRunTimeout or WorkflowTaskTimeout.");
        }

        CheckBlob(input);
        if (memo is not null && memo.CalculateSize() > _engine.Options.BlobSizeLimit)
        {
            throw ServerErrors.InvalidArgument("Memo size exceeds limit.");
        }

        // Real Temporal: the run timeout defaults to (and is capped by) the execution timeout; the task timeout defaults to 10 s.
        var execution = executionTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var run = runTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (execution > TimeSpan.Zero && (run == TimeSpan.Zero || run > execution))
        {
            run = execution;
        }

        var task = taskTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (task == TimeSpan.Zero)
        {
            task = TimeSpan.FromSeconds(10);
        }

        if (run > TimeSpan.Zero && task > run)
        {
            task = run;
        }

        return new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = type,
            TaskQueue = new TaskQueue { Name = taskQueue.Name, Kind = TaskQueueKind.Normal },
            Input = input,
            WorkflowExecutionTimeout = Duration.FromTimeSpan(execution),
            WorkflowRunTimeout = Duration.FromTimeSpan(run),
            WorkflowTaskTimeout = Duration.FromTimeSpan(task),
            Memo = memo,
            SearchAttributes = searchAttributes,
            Attempt = 1,
        };
    }

    private static void CheckSearchAttributes(ServerNamespace ns, SearchAttributes? attributes)
    {
        if (SearchAttributeRules.CheckAll(ns, attributes) is { } error)
        {
            throw ServerErrors.InvalidArgument(error);
        }
    }

    private static bool IsNegative(Duration? duration) => duration is not null && duration.ToTimeSpan() < TimeSpan.Zero;

    private static RetryPolicy? WithRetryDefaults(RetryPolicy? policy)
    {
        if (policy is null)
        {
            return null;
        }

        var filled = policy.Clone();
        if (filled.InitialInterval is null || filled.InitialInterval.ToTimeSpan() <= TimeSpan.Zero)
        {
            filled.InitialInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        }

        if (filled.BackoffCoefficient <= 0)
        {
            filled.BackoffCoefficient = 2.0;
        }

        filled.MaximumInterval ??= Duration.FromTimeSpan(filled.InitialInterval.ToTimeSpan() * 100);
        return filled;
    }
}
