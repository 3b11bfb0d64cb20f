using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Sdk.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>Creates runs: for a start request, a signal-with-start, a continue-as-new or a workflow retry.</summary>
internal static class WorkflowStarter
{
    private static readonly TimeSpan MaxWorkflowTaskTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Creates and records a run, writes its first events and schedules its first workflow task. What
    /// <paramref name="beforeFirstTask"/> does to the run (admit an update-with-start's update) and the updates a
    /// continued run left come before the task is scheduled: a poller already waiting is handed the task at once, and
    /// real Temporal's first task carries them.
    /// </summary>
    public static WorkflowRun Start(
        TemporalEngine engine,
        ServerNamespace ns,
        string workflowId,
        string requestId,
        WorkflowExecutionStartedEventAttributes attributes,
        HistoryEvent? signal = null,
        string? runId = null,
        UserMetadata? userMetadata = null,
        Action<WorkflowRun>? beforeFirstTask = null)
    {
        runId ??= Guid.NewGuid().ToString();
        attributes.OriginalExecutionRunId = runId;
        if (string.IsNullOrEmpty(attributes.FirstExecutionRunId))
        {
            attributes.FirstExecutionRunId = runId;
        }

        if (attributes.Attempt < 1)
        {
            attributes.Attempt = 1;
        }

        attributes.WorkflowTaskTimeout ??= Duration.FromTimeSpan(TimeSpan.FromSeconds(10));
        var now = engine.UtcNow;
        var executionTimeout = attributes.WorkflowExecutionTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (attributes.WorkflowExecutionExpirationTime is null && executionTimeout > TimeSpan.Zero)
        {
            attributes.WorkflowExecutionExpirationTime = Timestamp.FromDateTime(now + executionTimeout);
        }

        var run = new WorkflowRun(engine, ns, workflowId, runId, requestId, attributes);
        ns.Add(run);
        var started = run.NewEvent(EventType.WorkflowExecutionStarted);
        started.WorkflowExecutionStartedEventAttributes = attributes;
        started.UserMetadata = userMetadata;
        run.Write(started);
        if (signal is not null)
        {
            signal.EventTime = started.EventTime;
            run.Write(signal);
        }

        if (ns.RunsById.GetValueOrDefault(attributes.ContinuedExecutionRunId) is { } previous)
        {
            run.AdoptUpdates(previous);
        }

        beforeFirstTask?.Invoke(run);
        var backoff = attributes.FirstWorkflowTaskBackoff?.ToTimeSpan() ?? TimeSpan.Zero;
        if (backoff <= TimeSpan.Zero && run.Wft == WftPhase.None)
        {
            run.ScheduleWorkflowTask(); // unless admitting an update in beforeFirstTask scheduled it already
        }

        ArmRunTimers(engine, run);
        return run;
    }

    /// <summary>
    /// Real Temporal's start timeouts (OverrideStartWorkflowExecutionRequest): the execution timeout is left as sent, so
    /// a workflow without one sees none; the run timeout defaults to (and is capped by) the execution timeout, and is
    /// written only when that changes it; the task timeout defaults to 10 s, at most 120 s and at most the run timeout.
    /// </summary>
    public static (Duration? Execution, Duration? Run, Duration Task) NormalizeTimeouts(Duration? executionTimeout, Duration? runTimeout, Duration? taskTimeout)
    {
        var execution = executionTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var sentRun = runTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var run = execution > TimeSpan.Zero && (sentRun == TimeSpan.Zero || sentRun > execution) ? execution : sentRun;
        var task = taskTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (task == TimeSpan.Zero)
        {
            task = TimeSpan.FromSeconds(10);
        }

        task = task < MaxWorkflowTaskTimeout ? task : MaxWorkflowTaskTimeout;
        if (run > TimeSpan.Zero && task > run)
        {
            task = run;
        }

        return (executionTimeout, run == sentRun ? runTimeout : Duration.FromTimeSpan(run), Duration.FromTimeSpan(task));
    }

    /// <summary>Fills a workflow retry policy's unset fields with real Temporal's defaults; no policy means no retries.</summary>
    public static RetryPolicy? WithRetryDefaults(RetryPolicy? policy)
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

    /// <summary>Arms the first-task backoff and the run and execution timeouts, from absolute times so a restored run gets what remains.</summary>
    public static void ArmRunTimers(TemporalEngine engine, WorkflowRun run)
    {
        var attributes = run.StartedAttributes;
        var backoff = attributes.FirstWorkflowTaskBackoff?.ToTimeSpan() ?? TimeSpan.Zero;
        if (backoff > TimeSpan.Zero && run.Wft == WftPhase.None && run.WftScheduledEventId == 0)
        {
            run.AddRunTimer(engine.ScheduleAt(run.StartTime + backoff, run.RequestWorkflowTask));
        }

        var runTimeout = attributes.WorkflowRunTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (runTimeout > TimeSpan.Zero)
        {
            run.AddRunTimer(engine.ScheduleAt(run.StartTime + runTimeout + backoff, () => TimeOut(run)));
        }

        if (attributes.WorkflowExecutionExpirationTime is { } expiration)
        {
            run.AddRunTimer(engine.ScheduleAt(expiration.ToDateTime(), () => TimeOut(run)));
        }
    }

    private static void TimeOut(WorkflowRun run)
    {
        if (!run.IsOpen)
        {
            return;
        }

        var e = run.NewEvent(EventType.WorkflowExecutionTimedOut);
        e.WorkflowExecutionTimedOutEventAttributes = new WorkflowExecutionTimedOutEventAttributes { RetryState = run.StartedAttributes.RetryPolicy is null ? RetryState.RetryPolicyNotSet : RetryState.Timeout };
        run.Close(WorkflowExecutionStatus.TimedOut, e);
    }
}
