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
        var attributes = StartAttributes(request);
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
        attributes.RetryPolicy = WorkflowStarter.WithRetryDefaults(request.RetryPolicy);
        attributes.FirstWorkflowTaskBackoff = request.WorkflowStartDelay;
        attributes.Priority = CheckPriority(request.Priority);
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

    /// <summary>Validates a start request (alone or in an update-with-start) and builds its run's started event.</summary>
    private WorkflowExecutionStartedEventAttributes StartAttributes(StartWorkflowExecutionRequest request)
    {
        var attributes = ValidateStart(request.Namespace, request.WorkflowId, request.WorkflowType, request.TaskQueue, request.Input,
            request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.SearchAttributes, request.Memo);
        attributes.Identity = request.Identity;
        attributes.Header = request.Header;
        attributes.RetryPolicy = WorkflowStarter.WithRetryDefaults(request.RetryPolicy);
        attributes.FirstWorkflowTaskBackoff = request.WorkflowStartDelay;
        attributes.Priority = CheckPriority(request.Priority);

        // Set by schedules: the last run's result or failure, which the new run reads as its last result or failure.
        attributes.LastCompletionResult = request.LastCompletionResult;
        attributes.ContinuedFailure = request.ContinuedFailure;
        return attributes;
    }

    /// <summary>
    /// Applies the ID policies to the existing run. Returns the run to use instead of starting (USE_EXISTING), null to
    /// go on and start, or throws AlreadyExists.
    /// </summary>
    private static WorkflowRun? ResolveConflict(WorkflowRun existing, string requestId, WorkflowIdReusePolicy reuse, WorkflowIdConflictPolicy conflict, WorkflowIdConflictPolicy defaultConflict)
    {
#pragma warning disable CS0612 // Deprecated in the API, yet older SDKs still send it and real Temporal still honours it.
        if (reuse == WorkflowIdReusePolicy.TerminateIfRunning && conflict != WorkflowIdConflictPolicy.Unspecified)
#pragma warning restore CS0612
        {
            throw ServerErrors.InvalidArgument("Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy.");
        }

        var use = WorkflowIdPolicies.Resolve(existing, reuse, conflict == WorkflowIdConflictPolicy.Unspecified ? defaultConflict : conflict, out var refusal);
        return refusal is null ? use : throw ServerErrors.AlreadyStarted(refusal, requestId, existing.RunId);
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

        var (execution, run, task) = WorkflowStarter.NormalizeTimeouts(executionTimeout, runTimeout, taskTimeout);
        return new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = type,
            TaskQueue = new TaskQueue { Name = taskQueue.Name, Kind = TaskQueueKind.Normal },
            Input = input,
            WorkflowExecutionTimeout = execution,
            WorkflowRunTimeout = run,
            WorkflowTaskTimeout = task,
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

    private static Priority? CheckPriority(Priority? priority) =>
        Priorities.Check(priority) is { } error ? throw ServerErrors.InvalidArgument(error) : priority;

    private static bool IsNegative(Duration? duration) => duration is not null && duration.ToTimeSpan() < TimeSpan.Zero;
}
