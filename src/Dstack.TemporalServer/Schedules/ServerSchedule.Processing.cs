using System.Globalization;
using System.Text.Json;
using Dstack.TemporalServer.Engine;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Schedules;

/// <content>
/// The scheduler's loop, run to completion on each wake-up: take the spec's actions that came due (those older than the
/// catch-up window are missed), apply a change, buffer backfills, apply the overlap policies to the buffer, start what
/// may start, and sleep until the next action (not at all while paused or out of actions).
/// </content>
internal sealed partial class ServerSchedule
{
    private readonly HashSet<string> _watchedRunIds = new(StringComparer.Ordinal);
    private ITimer? _timer;

    /// <summary>Gets how many starts wait on the overlap policy.</summary>
    public int BufferSize => _buffer.Count;

    /// <summary>Runs the schedule up to now, applying <paramref name="change"/> (an update or a patch) after the actions that were due before it.</summary>
    public void Wake(Action? change = null)
    {
        if (IsClosed)
        {
            return;
        }

        var now = Engine.UtcNow;
        var next = TakeDueActions(now);
        if (change is not null)
        {
            change();
            next = TakeDueActions(now);
        }

        BufferBackfills();
        while (StartBuffered())
        {
        }

        Engine.MarkScheduleDirty(this);
        Sleep(next, now);
    }

    /// <summary>Queues an immediate action, as TriggerImmediately does; it is manual, so neither the pause nor the action limit stops it.</summary>
    public void Trigger(TriggerImmediatelyRequest trigger)
    {
        var at = trigger.ScheduledTime?.ToDateTime() ?? Engine.UtcNow;
        Buffer(new BufferedStart(at, at, trigger.OverlapPolicy, Manual: true));
    }

    /// <summary>Queues a backfill. Its start is inclusive: an action exactly at the start time is taken.</summary>
    public void Backfill(BackfillRequest request)
    {
        if (_backfills.Count >= ScheduleLimits.MaxBufferSize)
        {
            Info.BufferDropped++;
            return;
        }

        var backfill = request.Clone();
        backfill.StartTime = Timestamp.FromDateTime(backfill.StartTime.ToDateTime() - TimeSpan.FromMilliseconds(1));
        _backfills.Add(backfill);
    }

    public void Pause(string note)
    {
        State.Paused = true;
        State.Notes = note;
        ConflictToken++;
    }

    public void Unpause(string note)
    {
        State.Paused = false;
        State.Notes = note;
        ConflictToken++;
    }

    /// <summary>Replaces the definition; actions that were due before the update are not taken.</summary>
    public void Update(Schedule definition, CompiledScheduleSpec spec, DateTime now)
    {
        Definition = definition;
        _spec = spec;
        Info.UpdateTime = Timestamp.FromDateTime(now);
        ConflictToken++;
    }

    /// <summary>Re-arms the timer and the watches after a restart; the actions missed meanwhile are taken within the catch-up window.</summary>
    public void Resume() => Wake();

    /// <summary>Takes the scheduled actions due up to <paramref name="now"/>; returns when the next one is due.</summary>
    private DateTime? TakeDueActions(DateTime now)
    {
        var (next, last, _) = Generate(LastProcessedTime, now, ScheduleOverlapPolicy.Unspecified, manual: false, int.MaxValue);
        LastProcessedTime = last;
        return next;
    }

    /// <summary>
    /// Buffers the spec's actions in (<paramref name="start"/>, <paramref name="end"/>], at most <paramref name="limit"/>.
    /// Returns the first action not taken, the time up to which actions were looked at, and how many were buffered.
    /// </summary>
    private (DateTime? Next, DateTime Last, int Taken) Generate(DateTime start, DateTime end, ScheduleOverlapPolicy overlap, bool manual, int limit)
    {
        if (_spec is null)
        {
            return (null, end, 0);
        }

        // While paused or out of actions, the time passes without actions; they are not caught up later.
        if (!CanTakeAction(manual, use: false))
        {
            return (_spec.NextTime(end, JitterSeed)?.Next, end, 0);
        }

        var last = start;
        var taken = 0;
        var updated = Info.UpdateTime?.ToDateTime();
        ScheduleTime? next;
        for (next = _spec.NextTime(start, JitterSeed); next is { } time && time.Next <= end; next = _spec.NextTime(time.Next, JitterSeed))
        {
            last = time.Next;
            if (!manual && time.Next < updated)
            {
                continue;
            }

            if (!manual && end - time.Next > CatchupWindow)
            {
                Info.MissedCatchupWindow++;
                continue;
            }

            Buffer(new BufferedStart(time.Nominal, time.Next, overlap, manual));
            if (++taken >= limit)
            {
                break;
            }
        }

        return (next?.Next, last, taken);
    }

    private void Buffer(BufferedStart start)
    {
        if (_buffer.Count >= ScheduleLimits.MaxBufferSize)
        {
            Info.BufferDropped++;
            return;
        }

        _buffer.Add(start);
    }

    /// <summary>Moves up to <see cref="ScheduleLimits.BackfillsPerIteration"/> backfilled actions into the buffer, using half of it at most.</summary>
    private void BufferBackfills()
    {
        var limit = ScheduleLimits.BackfillsPerIteration;
        while (_backfills.Count > 0 && limit > 0 && _buffer.Count < ScheduleLimits.MaxBufferSize / 2)
        {
            var backfill = _backfills[0];
            var end = backfill.EndTime.ToDateTime();
            var (next, _, taken) = Generate(backfill.StartTime.ToDateTime(), end, backfill.OverlapPolicy, manual: true, limit);
            limit -= taken;
            if (next is not { } resume || resume > end)
            {
                _backfills.RemoveAt(0);
            }
            else
            {
                backfill.StartTime = Timestamp.FromDateTime(resume);
            }
        }
    }

    /// <summary>Applies the overlap policies and starts what may start; true when it should run again (a start was refused).</summary>
    private bool StartBuffered()
    {
        Refresh();
        var workflow = Definition.Action?.StartWorkflow;
        if (workflow is null || _buffer.Count == 0)
        {
            _buffer.Clear();
            return false;
        }

        var decision = OverlapBuffer.Decide(_buffer, Info.RunningWorkflows.Count > 0, Resolve);
        _buffer = [.. decision.Remaining];
        Info.OverlapSkipped += decision.Skipped;
        var again = false;
        var starts = decision.NonOverlapping is { } single ? decision.Overlapping.Append(single) : decision.Overlapping;
        foreach (var start in starts)
        {
            if (!CanTakeAction(start.Manual, use: true) || StartWorkflow(start, workflow) is not { } result)
            {
                again = true;
                continue;
            }

            Record(result, tracked: ReferenceEquals(start, decision.NonOverlapping));
        }

        if (decision.TerminateRunning || decision.CancelRunning)
        {
            foreach (var run in Info.RunningWorkflows.Select(CurrentRun).OfType<WorkflowRun>().Where(r => r.IsOpen).ToList())
            {
                if (decision.TerminateRunning)
                {
                    run.Terminate("terminated by schedule overlap policy", null, Identity);
                }
                else
                {
                    run.RequestCancel("cancelled by schedule overlap policy", Identity);
                }
            }
        }

        return again;
    }

    private string Identity => $"temporal-scheduler-{Namespace.Name}-{Id}";

    /// <summary>Starts one action's workflow, named after its nominal time as real Temporal names it; null when the start is refused.</summary>
    private ScheduleActionResult? StartWorkflow(BufferedStart start, NewWorkflowExecutionInfo workflow)
    {
        var nominal = new DateTime(start.Nominal.Ticks - (start.Nominal.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var workflowId = $"{workflow.WorkflowId}-{nominal.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";

        // ALLOW_ALL runs are not followed, so they neither get nor give a last result.
        var carry = Resolve(start.Overlap) != ScheduleOverlapPolicy.AllowAll;
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = Namespace.Name,
            WorkflowId = workflowId,
            WorkflowType = workflow.WorkflowType,
            TaskQueue = workflow.TaskQueue,
            Input = workflow.Input,
            WorkflowExecutionTimeout = workflow.WorkflowExecutionTimeout,
            WorkflowRunTimeout = workflow.WorkflowRunTimeout,
            WorkflowTaskTimeout = workflow.WorkflowTaskTimeout,
            Identity = Identity,
            RequestId = Guid.NewGuid().ToString(),

            // A manual action may repeat a time already taken; a scheduled one never runs twice.
            WorkflowIdReusePolicy = start.Manual ? WorkflowIdReusePolicy.AllowDuplicate : WorkflowIdReusePolicy.RejectDuplicate,
            RetryPolicy = workflow.RetryPolicy,
            Memo = workflow.Memo,
            SearchAttributes = StartedSearchAttributes(workflow.SearchAttributes, nominal),
            Header = workflow.Header,
            LastCompletionResult = carry ? LastCompletionResult : null,
            ContinuedFailure = carry ? LastFailure : null,
            UserMetadata = workflow.UserMetadata,
            Priority = workflow.Priority,
        };
        try
        {
            var response = Engine.ScheduleStarter.Start(request);
            return new ScheduleActionResult
            {
                ScheduleTime = Timestamp.FromDateTime(start.Actual),
                ActualTime = Timestamp.FromDateTime(Engine.UtcNow),
                StartWorkflowResult = new WorkflowExecution { WorkflowId = workflowId, RunId = response.RunId },
                StartWorkflowStatus = WorkflowExecutionStatus.Running,
            };
        }
        catch (RpcException e)
        {
            Engine.ScheduleLogger.LogWarning("Schedule {ScheduleId} could not start {WorkflowId}: {Error}", Id, workflowId, e.Status.Detail);
            return null;
        }
    }

    /// <summary>
    /// The action's search attributes plus the two real Temporal adds: the nominal time and the schedule's ID. Each
    /// carries its type, which the SDKs need to read a workflow's search attributes (real Temporal adds the types to
    /// the history it hands out).
    /// </summary>
    private SearchAttributes StartedSearchAttributes(SearchAttributes? attributes, DateTime nominal)
    {
        var fields = new Dictionary<string, Payload>(attributes?.IndexedFields ?? [], StringComparer.Ordinal)
        {
            ["TemporalScheduledStartTime"] = Json(nominal.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
            ["TemporalScheduledById"] = Json(Id),
        };
        return Typed(fields);
    }

    private static Payload Json(string value) => new()
    {
        Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain") },
        Data = ByteString.CopyFromUtf8(JsonSerializer.Serialize(value)),
    };

    private void Record(ScheduleActionResult result, bool tracked)
    {
        Info.ActionCount++;
        Info.RecentActions.Add(result);
        while (Info.RecentActions.Count > ScheduleLimits.RecentActionCount)
        {
            Info.RecentActions.RemoveAt(0);
        }

        // Only the non-overlapping run counts as "running" for the overlap policies, as in real Temporal.
        if (tracked)
        {
            Info.RunningWorkflows.Add(result.StartWorkflowResult);
            if (CurrentRun(result.StartWorkflowResult) is { IsOpen: true } run)
            {
                Watch(run);
            }
        }
    }

    /// <summary>
    /// Drops the running workflows that have closed (after retries and continue-as-new, the chain's last run), and takes
    /// from each its result or failure for the next run, and a pause when it failed and the policy says so.
    /// </summary>
    private void Refresh()
    {
        foreach (var execution in Info.RunningWorkflows.ToList())
        {
            var run = CurrentRun(execution);
            if (run is { IsOpen: true })
            {
                Watch(run);
                continue;
            }

            Info.RunningWorkflows.Remove(execution);
            if (run is not null)
            {
                Closed(execution.WorkflowId, run);
            }
        }
    }

    private void Closed(string workflowId, WorkflowRun run)
    {
        foreach (var action in Info.RecentActions.Where(a => a.StartWorkflowResult.WorkflowId == workflowId))
        {
            action.StartWorkflowStatus = run.Status;
        }

        var failure = run.CloseEvent?.WorkflowExecutionFailedEventAttributes?.Failure;
        if (Definition.Policies.PauseOnFailure && !State.Paused && run.Status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.TimedOut)
        {
            Pause(run.Status == WorkflowExecutionStatus.Failed
                ? $"paused due to workflow failure: {workflowId}: {failure?.Message}"
                : $"paused due to workflow timeout: {workflowId}");
        }

        if (run.CloseEvent?.WorkflowExecutionCompletedEventAttributes?.Result is { } result)
        {
            LastCompletionResult = result;
            LastFailure = null;
        }
        else if (failure is not null)
        {
            LastFailure = failure;
        }
    }

    /// <summary>The last run of the chain that <paramref name="execution"/> (the first run) began, or null when retention removed it.</summary>
    private WorkflowRun? CurrentRun(WorkflowExecution execution) =>
        Namespace.RunsByWorkflowId.TryGetValue(execution.WorkflowId, out var runs)
            ? runs.LastOrDefault(r => r.StartedAttributes.FirstExecutionRunId == execution.RunId)
            : null;

    /// <summary>Wakes the schedule when <paramref name="run"/> closes, so a buffered start can go ahead at once.</summary>
    private void Watch(WorkflowRun run)
    {
        if (_watchedRunIds.Add(run.RunId))
        {
            _ = WakeWhenClosedAsync(run);
        }
    }

    private async Task WakeWhenClosedAsync(WorkflowRun run)
    {
        // The run completes this task under the engine lock, with continuations run asynchronously, so this resumes outside it.
        await run.Closed;
        Engine.RunLocked(() =>
        {
            _watchedRunIds.Remove(run.RunId);
            Wake();
        });
    }

    /// <summary>Arms the timer for the next wake-up, or closes the schedule once it has been idle for the retention period.</summary>
    private void Sleep(DateTime? next, DateTime now)
    {
        _timer?.Dispose();
        _timer = null;
        var wakeUp = _backfills.Count > 0 ? now + ScheduleLimits.BackfillPassInterval
            : CanTakeAction(manual: false, use: false) ? next
            : null;
        if (IdleUntil(next) is { } idleEnd)
        {
            if (idleEnd <= now)
            {
                Engine.RemoveSchedule(this);
                return;
            }

            wakeUp = idleEnd;
        }

        if (wakeUp is { } at)
        {
            _timer = Engine.ScheduleAt(at, () => Wake());
        }
    }

    /// <summary>When a schedule that will act no more (out of actions or past its last time) closes: the retention period after its last event.</summary>
    private DateTime? IdleUntil(DateTime? next)
    {
        if (State.Paused || (next is not null && CanTakeAction(manual: false, use: false)) || _backfills.Count > 0)
        {
            return null;
        }

        var last = Info.CreateTime.ToDateTime();
        if (Info.UpdateTime?.ToDateTime() is { } updated && updated > last)
        {
            last = updated;
        }

        if (Info.RecentActions.Count > 0 && Info.RecentActions[^1].ActualTime.ToDateTime() is var acted && acted > last)
        {
            last = acted;
        }

        return last + ScheduleLimits.IdleRetention;
    }
}
