using Dstack.TemporalServer.Visibility;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>The commands of a completed workflow task, applied in order, each mirrored by its event.</content>
internal sealed partial class WorkflowRun
{
    public static bool IsCloseCommand(Command command) => command.CommandType is
        CommandType.CompleteWorkflowExecution or CommandType.FailWorkflowExecution or
        CommandType.CancelWorkflowExecution or CommandType.ContinueAsNewWorkflowExecution;

    /// <summary>Checks the commands before any is applied, so a refused task leaves no partial effects.</summary>
    public CommandError? Validate(IReadOnlyList<Command> commands)
    {
        var activityIds = Activities.Values.Select(a => a.Attributes.ActivityId).ToHashSet(StringComparer.Ordinal);
        var timerIds = Timers.Keys.ToHashSet(StringComparer.Ordinal);
        var childIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var command in commands)
        {
            var error = command.CommandType switch
            {
                CommandType.ScheduleActivityTask => ValidateActivity(command.ScheduleActivityTaskCommandAttributes, activityIds),
                CommandType.StartTimer => timerIds.Add(command.StartTimerCommandAttributes.TimerId)
                    ? null
                    : new CommandError(WorkflowTaskFailedCause.BadStartTimerAttributes, $"invalid history builder state for action: add-timer-started-event, TimerId: {command.StartTimerCommandAttributes.TimerId} already exists"),
                CommandType.UpsertWorkflowSearchAttributes => ValidateSearchAttributes(command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes),
                CommandType.ContinueAsNewWorkflowExecution => ValidateSearchAttributes(command.ContinueAsNewWorkflowExecutionCommandAttributes.SearchAttributes),
                CommandType.StartChildWorkflowExecution => ValidateChild(command.StartChildWorkflowExecutionCommandAttributes, childIds),
                CommandType.SignalExternalWorkflowExecution => ValidateSignalExternal(command.SignalExternalWorkflowExecutionCommandAttributes),
                CommandType.RequestCancelExternalWorkflowExecution => ValidateCancelExternal(command.RequestCancelExternalWorkflowExecutionCommandAttributes, childIds),
                CommandType.CompleteWorkflowExecution or CommandType.FailWorkflowExecution or CommandType.CancelWorkflowExecution or
                CommandType.RequestCancelActivityTask or CommandType.CancelTimer or CommandType.RecordMarker or CommandType.ModifyWorkflowProperties => null,
                // Real Temporal with Nexus turned off (system.enableNexus=false): the task fails with FEATURE_DISABLED.
                CommandType.ScheduleNexusOperation or CommandType.RequestCancelNexusOperation =>
                    new CommandError(WorkflowTaskFailedCause.FeatureDisabled, "Nexus operations disabled"),
                _ => CommandError.UnknownCommandType(command.CommandType),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>Applies one command; true when it requires a new workflow task (an activity canceled before it started).</summary>
    public bool Apply(Command command, long completedEventId, string identity)
    {
        switch (command.CommandType)
        {
            case CommandType.ScheduleActivityTask:
                ScheduleActivity(command.ScheduleActivityTaskCommandAttributes, completedEventId);
                return false;
            case CommandType.RequestCancelActivityTask:
                return RequestCancelActivity(command.RequestCancelActivityTaskCommandAttributes.ScheduledEventId, completedEventId);
            case CommandType.StartTimer:
                StartTimer(command.StartTimerCommandAttributes, completedEventId);
                return false;
            case CommandType.CancelTimer:
                CancelTimer(command.CancelTimerCommandAttributes.TimerId, completedEventId, identity);
                return false;
            case CommandType.RecordMarker:
                RecordMarker(command.RecordMarkerCommandAttributes, completedEventId);
                return false;
            case CommandType.UpsertWorkflowSearchAttributes:
                UpsertSearchAttributes(command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes, completedEventId);
                return false;
            case CommandType.ModifyWorkflowProperties:
                ModifyProperties(command.ModifyWorkflowPropertiesCommandAttributes.UpsertedMemo, completedEventId);
                return false;
            case CommandType.CompleteWorkflowExecution:
                var completed = NewEvent(EventType.WorkflowExecutionCompleted);
                completed.WorkflowExecutionCompletedEventAttributes = new WorkflowExecutionCompletedEventAttributes
                {
                    Result = command.CompleteWorkflowExecutionCommandAttributes.Result,
                    WorkflowTaskCompletedEventId = completedEventId,
                };
                Close(WorkflowExecutionStatus.Completed, completed);
                return false;
            case CommandType.FailWorkflowExecution:
                FailWorkflow(command.FailWorkflowExecutionCommandAttributes.Failure, completedEventId);
                return false;
            case CommandType.CancelWorkflowExecution:
                var canceled = NewEvent(EventType.WorkflowExecutionCanceled);
                canceled.WorkflowExecutionCanceledEventAttributes = new WorkflowExecutionCanceledEventAttributes
                {
                    Details = command.CancelWorkflowExecutionCommandAttributes.Details,
                    WorkflowTaskCompletedEventId = completedEventId,
                };
                Close(WorkflowExecutionStatus.Canceled, canceled);
                return false;
            case CommandType.ContinueAsNewWorkflowExecution:
                ContinueAsNew(command.ContinueAsNewWorkflowExecutionCommandAttributes, completedEventId);
                return false;
            case CommandType.StartChildWorkflowExecution:
                InitiateChild(command, completedEventId);
                return false;
            case CommandType.SignalExternalWorkflowExecution:
                InitiateSignalExternal(command.SignalExternalWorkflowExecutionCommandAttributes, completedEventId);
                return false;
            case CommandType.RequestCancelExternalWorkflowExecution:
                InitiateCancelExternal(command.RequestCancelExternalWorkflowExecutionCommandAttributes, completedEventId);
                return false;
            default:
                throw new InvalidOperationException($"unvalidated command {command.CommandType}");
        }
    }

    private static CommandError? ValidateActivity(ScheduleActivityTaskCommandAttributes a, HashSet<string> activityIds)
    {
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadScheduleActivityAttributes;
        if (string.IsNullOrEmpty(a.ActivityId))
        {
            return new(Bad, "ActivityId is not set on command.");
        }

        if (string.IsNullOrEmpty(a.ActivityType?.Name))
        {
            return new(Bad, "ActivityType is not set on command.");
        }

        if (!activityIds.Add(a.ActivityId))
        {
            return new(Bad, $"Activity with id {a.ActivityId} already exists");
        }

        if (Positive(a.ScheduleToCloseTimeout) is null && Positive(a.StartToCloseTimeout) is null)
        {
            return new(Bad, "A valid StartToClose or ScheduleToCloseTimeout is not set on command.");
        }

        return Priorities.Check(a.Priority) is { } priorityError ? new(Bad, priorityError) : null;
    }

    private CommandError? ValidateSearchAttributes(SearchAttributes? attributes)
    {
        foreach (var (name, payload) in attributes?.IndexedFields ?? [])
        {
            var error = SearchAttributeRules.Check(Namespace, name, payload);
            if (error is not null)
            {
                return new CommandError(WorkflowTaskFailedCause.BadSearchAttributes, error);
            }
        }

        return null;
    }

    private static TimeSpan? Positive(Duration? d) => d?.ToTimeSpan() is { } span && span > TimeSpan.Zero ? span : null;

    private void ScheduleActivity(ScheduleActivityTaskCommandAttributes a, long completedEventId)
    {
        // Real Temporal's validateAndNormalizeTimeouts: schedule-to-close caps the others; else start-to-close rules.
        var runTimeout = Positive(StartedAttributes.WorkflowRunTimeout);
        var scheduleToClose = Positive(a.ScheduleToCloseTimeout);
        var scheduleToStart = Positive(a.ScheduleToStartTimeout);
        var startToClose = Positive(a.StartToCloseTimeout);
        if (scheduleToClose is { } s2c)
        {
            if (runTimeout is { } run && run < s2c)
            {
                s2c = run;
            }

            scheduleToClose = s2c;
            scheduleToStart = scheduleToStart is { } s2s && s2s < s2c ? s2s : s2c;
            startToClose = startToClose is { } stc && stc < s2c ? stc : s2c;
        }
        else
        {
            scheduleToClose = runTimeout;
            scheduleToStart ??= runTimeout;
        }

        var heartbeat = Positive(a.HeartbeatTimeout);
        if (heartbeat > startToClose)
        {
            heartbeat = startToClose;
        }

        var policy = a.RetryPolicy?.Clone() ?? new RetryPolicy();
        policy.InitialInterval = Positive(policy.InitialInterval) is { } initial ? policy.InitialInterval : Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        if (policy.BackoffCoefficient <= 0)
        {
            policy.BackoffCoefficient = 2.0;
        }

        policy.MaximumInterval ??= Duration.FromTimeSpan(policy.InitialInterval.ToTimeSpan() * 100);
        var e = NewEvent(EventType.ActivityTaskScheduled);
        e.ActivityTaskScheduledEventAttributes = new ActivityTaskScheduledEventAttributes
        {
            ActivityId = a.ActivityId,
            ActivityType = a.ActivityType,
            TaskQueue = string.IsNullOrEmpty(a.TaskQueue?.Name)
                ? new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal }
                : new TaskQueue { Name = a.TaskQueue.Name, Kind = TaskQueueKind.Normal },
            Header = a.Header,
            Input = a.Input,
            ScheduleToCloseTimeout = ToDuration(scheduleToClose),
            ScheduleToStartTimeout = ToDuration(scheduleToStart),
            StartToCloseTimeout = ToDuration(startToClose),
            HeartbeatTimeout = ToDuration(heartbeat),
            WorkflowTaskCompletedEventId = completedEventId,
            RetryPolicy = policy,
            Priority = a.Priority,
        };
        Write(e);
        AddActivity(e);
    }

    private static Duration ToDuration(TimeSpan? span) => Duration.FromTimeSpan(span ?? TimeSpan.Zero);

    private void StartTimer(StartTimerCommandAttributes a, long completedEventId)
    {
        var e = NewEvent(EventType.TimerStarted);
        e.TimerStartedEventAttributes = new TimerStartedEventAttributes
        {
            TimerId = a.TimerId,
            StartToFireTimeout = a.StartToFireTimeout,
            WorkflowTaskCompletedEventId = completedEventId,
        };
        Write(e);
        ArmUserTimer(a.TimerId, e.EventId, Engine.UtcNow + a.StartToFireTimeout.ToTimeSpan());
    }

    private void ArmUserTimer(string timerId, long startedEventId, DateTime due)
    {
        var timer = Engine.ScheduleAt(due, () => FireTimer(timerId, startedEventId));
        Timers[timerId] = new UserTimer(timerId, startedEventId, due, timer);
    }

    private void FireTimer(string timerId, long startedEventId)
    {
        if (!IsOpen || !Timers.TryGetValue(timerId, out var timer) || timer.StartedEventId != startedEventId)
        {
            return;
        }

        Timers.Remove(timerId);
        var e = NewEvent(EventType.TimerFired);
        e.TimerFiredEventAttributes = new TimerFiredEventAttributes { TimerId = timerId, StartedEventId = startedEventId };
        AddForWorkflow(e);
    }

    private void CancelTimer(string timerId, long completedEventId, string identity)
    {
        long startedEventId = 0;
        if (Timers.Remove(timerId, out var timer))
        {
            timer.Timer.Dispose();
            startedEventId = timer.StartedEventId;
        }
        else
        {
            // The timer fired while this task ran: real Temporal drops the buffered TimerFired event.
            var fired = _buffer.FirstOrDefault(b => b.TimerFiredEventAttributes?.TimerId == timerId);
            if (fired is not null)
            {
                _buffer.Remove(fired);
                startedEventId = fired.TimerFiredEventAttributes.StartedEventId;
            }
        }

        var e = NewEvent(EventType.TimerCanceled);
        e.TimerCanceledEventAttributes = new TimerCanceledEventAttributes
        {
            TimerId = timerId,
            StartedEventId = startedEventId,
            WorkflowTaskCompletedEventId = completedEventId,
            Identity = identity,
        };
        Write(e);
    }

    private void RecordMarker(RecordMarkerCommandAttributes a, long completedEventId)
    {
        var e = NewEvent(EventType.MarkerRecorded);
        e.MarkerRecordedEventAttributes = new MarkerRecordedEventAttributes
        {
            MarkerName = a.MarkerName,
            Header = a.Header,
            Failure = a.Failure,
            WorkflowTaskCompletedEventId = completedEventId,
        };
        e.MarkerRecordedEventAttributes.Details.Add(a.Details);
        Write(e);
    }

    private void UpsertSearchAttributes(SearchAttributes attributes, long completedEventId)
    {
        MergeSearchAttributes(attributes);
        var e = NewEvent(EventType.UpsertWorkflowSearchAttributes);
        e.UpsertWorkflowSearchAttributesEventAttributes = new UpsertWorkflowSearchAttributesEventAttributes
        {
            SearchAttributes = attributes,
            WorkflowTaskCompletedEventId = completedEventId,
        };
        Write(e);
    }

    public void MergeSearchAttributes(SearchAttributes? attributes)
    {
        foreach (var (name, payload) in attributes?.IndexedFields ?? [])
        {
            if (SearchAttributeValues.IsDeletion(payload))
            {
                SearchAttributes.Remove(name);
            }
            else
            {
                SearchAttributes[name] = payload;
            }
        }
    }

    private void ModifyProperties(Memo? memo, long completedEventId)
    {
        foreach (var (key, value) in memo?.Fields ?? [])
        {
            if (value.Data.IsEmpty || value.Data.ToStringUtf8() == "null")
            {
                Memo.Fields.Remove(key);
            }
            else
            {
                Memo.Fields[key] = value;
            }
        }

        var e = NewEvent(EventType.WorkflowPropertiesModified);
        e.WorkflowPropertiesModifiedEventAttributes = new WorkflowPropertiesModifiedEventAttributes
        {
            UpsertedMemo = memo,
            WorkflowTaskCompletedEventId = completedEventId,
        };
        Write(e);
    }
}
