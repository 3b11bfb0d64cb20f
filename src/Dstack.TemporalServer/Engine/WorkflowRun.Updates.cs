using Dstack.TemporalServer.Grpc;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>
/// Workflow updates, as real Temporal's update registry handles them: an update is admitted in memory, delivered as a
/// protocol message with the next workflow task (no speculative task: a normal one is scheduled when none is pending),
/// and accepted, rejected or completed by the worker's messages. Only acceptance and completion write events, so a
/// restart keeps what real Temporal keeps: accepted updates (the UpdateAccepted event holds the request) and outcomes;
/// admitted updates are lost, and the client's retry admits them again.
/// </content>
internal sealed partial class WorkflowRun
{
    /// <summary>Real Temporal's history.maxInFlightUpdates.</summary>
    private const int MaxInFlightUpdates = 10;

    /// <summary>Real Temporal's history.maxTotalUpdates.</summary>
    private const int MaxTotalUpdates = 2000;

    /// <summary>From this workflow task attempt on, real Temporal refuses new updates instead of queueing them behind a failing task.</summary>
    private const int FailingWorkflowTaskAttempt = 3;

    private const string AcceptanceType = "temporal.api.update.v1.Acceptance";
    private const string RejectionType = "temporal.api.update.v1.Rejection";
    private const string ResponseType = "temporal.api.update.v1.Response";

    /// <summary>Updates not completed from history's point of view: in flight, and on a closed run the aborted ones.</summary>
    private readonly Dictionary<string, WorkflowUpdate> _updates = new(StringComparer.Ordinal);
    private readonly List<WorkflowUpdate> _updatesForNextRun = [];

    /// <summary>UpdateAccepted and UpdateCompleted event IDs by update ID; built from history on first use.</summary>
    private Dictionary<string, (long Accepted, long Completed)>? _updateEvents;
    private List<Message>? _incomingMessages;
    private long _updateAdmissions;
    private bool _heartbeatTaskNext;

    /// <summary>
    /// Admits an update, or finds the one with the same ID (same ID, same outcome, also once it is only in history).
    /// Throws what real Temporal answers for a closed run, a failing workflow task, or too many updates.
    /// </summary>
    public WorkflowUpdate AdmitUpdate(Request request, bool pinnedToRun)
    {
        var id = request.Meta.UpdateId;
        if (!IsOpen)
        {
            return FindUpdate(id) ?? throw ServerErrors.WorkflowCompleted();
        }

        if (WftAttempt >= FailingWorkflowTaskAttempt)
        {
            throw UpdateErrors.WorkflowTaskFailing();
        }

        if (FindUpdate(id) is { } existing)
        {
            return existing;
        }

        if (_updates.Values.Count(u => u.IsInFlight) >= MaxInFlightUpdates)
        {
            throw UpdateErrors.TooManyInFlight(MaxInFlightUpdates);
        }

        if (_updateEvents!.Count + _updates.Values.Count(u => u.IsWaitingForWorker) >= MaxTotalUpdates)
        {
            throw UpdateErrors.TooManyTotal(MaxTotalUpdates);
        }

        var update = new WorkflowUpdate(id, request, ++_updateAdmissions, pinnedToRun, this);
        _updates.Add(id, update);
        RequestWorkflowTask();
        return update;
    }

    /// <summary>Finds an update of this run: in flight, or finished as its history (or the run's close) says; null when unknown.</summary>
    public WorkflowUpdate? FindUpdate(string id)
    {
        EnsureUpdateIndex();
        if (_updates.TryGetValue(id, out var update))
        {
            return update;
        }

        return _updateEvents!.TryGetValue(id, out var events) && events.Completed > 0
            ? WorkflowUpdate.FromHistory(id, this, events.Accepted, History[(int)events.Completed - 1].WorkflowExecutionUpdateCompletedEventAttributes.Outcome)
            : null;
    }

    /// <summary>Finds an update only if history holds its outcome (update-with-start returns it whatever the run's state).</summary>
    public WorkflowUpdate? FindCompletedUpdate(string id)
    {
        EnsureUpdateIndex();
        return _updateEvents!.TryGetValue(id, out var events) && events.Completed > 0 ? FindUpdate(id) : null;
    }

    /// <summary>
    /// Checks the update messages of a workflow task completion before anything is applied. On a bad message the task
    /// fails with BadUpdateWorkflowExecutionMessage, and the updates delivered with it fail as real Temporal fails them.
    /// </summary>
    public CommandError? RefuseBadUpdateMessages(IReadOnlyList<Command> commands, IReadOnlyList<Message> messages, string identity)
    {
        if (messages.Count == 0 && !commands.Any(c => c.CommandType == CommandType.ProtocolMessage))
        {
            return null;
        }

        var error = ValidateUpdateMessages(commands, messages);
        if (error is null)
        {
            return null;
        }

        foreach (var update in _updates.Values.Where(u => u.State == UpdateState.Sent).ToList())
        {
            _updates.Remove(update.Id);
            update.Abort(UpdateErrors.WorkflowTaskFailed());
        }

        // As for a refused command: only the first attempt fails; a retry refused again is left to time out.
        if (error.Cause is { } cause && WftAttempt == 1)
        {
            FailWorkflowTask(cause, new Failure { Message = error.Message, Source = "Server" }, identity);
        }

        return error;
    }

    /// <summary>Takes the messages of a completing workflow task; ProtocolMessage commands consume them in command order.</summary>
    public void ReceiveUpdateMessages(IReadOnlyList<Message> messages) =>
        _incomingMessages = messages.Count == 0 ? null : [.. messages];

    /// <summary>
    /// After the commands: the messages no command named, in request order, then the server's rejection of every
    /// update delivered with this task that the worker ignored (else it would be delivered again and again).
    /// A heartbeat completion (a local activity still running) may leave them for the next task.
    /// </summary>
    public void FinishUpdateMessages(bool heartbeat)
    {
        if (_incomingMessages is { } remaining)
        {
            _incomingMessages = null;
            foreach (var message in remaining)
            {
                ProcessUpdateMessage(message);
            }
        }

        _heartbeatTaskNext = heartbeat;
        if (!IsOpen || heartbeat || _updates.Count == 0)
        {
            return;
        }

        foreach (var update in _updates.Values.Where(u => u.State == UpdateState.Sent).OrderBy(u => u.AdmissionOrder).ToList())
        {
            _updates.Remove(update.Id);
            update.Reject(UpdateErrors.UnprocessedUpdate);
        }
    }

    /// <summary>Hands over the updates the closed run <paramref name="previous"/> left to the run that continues it.</summary>
    public void AdoptUpdates(WorkflowRun previous)
    {
        if (previous._updatesForNextRun.Count == 0)
        {
            return;
        }

        EnsureUpdateIndex();
        foreach (var update in previous._updatesForNextRun.OrderBy(u => u.AdmissionOrder))
        {
            update.MoveTo(this, ++_updateAdmissions);
            _updates.Add(update.Id, update);
        }

        previous._updatesForNextRun.Clear();
    }

    /// <summary>Delivers the admitted updates (and those a failed or lost task delivered before) with a starting workflow task.</summary>
    private void AttachUpdates(PollWorkflowTaskQueueResponse response, long startedEventId)
    {
        var heartbeat = _heartbeatTaskNext && WftAttempt == 1;
        _heartbeatTaskNext = false;
        if (_updates.Count == 0)
        {
            return;
        }

        foreach (var update in _updates.Values.Where(u => u.State == UpdateState.Admitted || (u.State == UpdateState.Sent && !heartbeat)).OrderBy(u => u.AdmissionOrder))
        {
            update.MarkSent();
            response.Messages.Add(new Message
            {
                Id = update.Id + "/request",
                ProtocolInstanceId = update.Id,

                // Real Temporal sequences an update after the event before WorkflowTaskStarted.
                EventId = startedEventId - 1,
                Body = Any.Pack(update.Request),
            });
        }
    }

    private void ApplyProtocolMessage(string messageId)
    {
        var message = _incomingMessages?.Find(m => m.Id == messageId);
        if (message is not null)
        {
            _incomingMessages!.Remove(message);
            ProcessUpdateMessage(message);
        }
    }

    /// <summary>
    /// Ends the updates of a closing run: accepted ones fail (no event, as in real Temporal); those the workflow has not
    /// accepted follow a continue-as-new or retry to the next run, or are aborted.
    /// </summary>
    private void AbortUpdatesOnClose(HistoryEvent closeEvent)
    {
        if (_updates.Count == 0)
        {
            return;
        }

        var continues = !string.IsNullOrEmpty(
            closeEvent.WorkflowExecutionContinuedAsNewEventAttributes?.NewExecutionRunId ??
            closeEvent.WorkflowExecutionFailedEventAttributes?.NewExecutionRunId ??
            closeEvent.WorkflowExecutionTimedOutEventAttributes?.NewExecutionRunId);
        foreach (var update in _updates.Values.ToList())
        {
            if (update.IsWaitingForWorker && continues && !update.PinnedToRun)
            {
                _updates.Remove(update.Id);
                _updatesForNextRun.Add(update);
            }
            else if (update.IsWaitingForWorker)
            {
                // A caller that named this run gets what real Temporal's retry on the closed run answers.
                update.Abort(continues ? ServerErrors.WorkflowCompleted() : UpdateErrors.AbortedByClosingWorkflow());
            }
            else if (update.State == UpdateState.Accepted)
            {
                update.Complete(new Outcome { Failure = UpdateErrors.AcceptedUpdateCompletedWorkflow });
            }
        }
    }

    private void EnsureUpdateIndex()
    {
        if (_updateEvents is not null)
        {
            return;
        }

        _updateEvents = new(StringComparer.Ordinal);
        foreach (var e in History)
        {
            if (e.WorkflowExecutionUpdateAcceptedEventAttributes is { } accepted)
            {
                _updateEvents[accepted.ProtocolInstanceId] = (e.EventId, 0);
            }
            else if (e.WorkflowExecutionUpdateCompletedEventAttributes is { } completed)
            {
                _updateEvents[completed.Meta.UpdateId] = (completed.AcceptedEventId, e.EventId);
            }
        }

        // Accepted before a restart and not completed: the workflow still owes the outcome, or its run closed first.
        foreach (var (id, events) in _updateEvents.Where(u => u.Value.Completed == 0))
        {
            var update = WorkflowUpdate.AcceptedFromHistory(id, this, events.Accepted);
            if (!IsOpen)
            {
                update.Complete(new Outcome { Failure = UpdateErrors.AcceptedUpdateCompletedWorkflow });
            }

            _updates.TryAdd(id, update);
        }
    }

    private CommandError? ValidateUpdateMessages(IReadOnlyList<Command> commands, IReadOnlyList<Message> messages)
    {
        var unclaimed = new List<Message>(messages);
        var order = new List<Message>(messages.Count);
        foreach (var command in commands.Where(c => c.CommandType == CommandType.ProtocolMessage))
        {
            var messageId = command.ProtocolMessageCommandAttributes?.MessageId ?? string.Empty;
            var message = unclaimed.Find(m => m.Id == messageId);
            if (message is null)
            {
                return BadMessage($"ProtocolMessageCommand referenced absent message ID {messageId}");
            }

            unclaimed.Remove(message);
            order.Add(message);
        }

        order.AddRange(unclaimed);
        var acceptedHere = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in order)
        {
            if (ValidateUpdateMessage(message, acceptedHere) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private CommandError? ValidateUpdateMessage(Message message, HashSet<string> acceptedHere)
    {
        var id = message.ProtocolInstanceId;
        if (message.Body is null)
        {
            return BadMessage($"Update {id} received message with nil body");
        }

        var type = Any.GetTypeName(message.Body.TypeUrl);
        var update = FindUpdate(id);
        var waiting = update is null || update.IsWaitingForWorker;
        switch (type)
        {
            case AcceptanceType:
                var acceptance = message.Body.Unpack<Acceptance>();
                if (acceptance.AcceptedRequestSequencingEventId == 0 || string.IsNullOrEmpty(acceptance.AcceptedRequestMessageId))
                {
                    return BadMessage($"invalid *update.Acceptance: {(acceptance.AcceptedRequestSequencingEventId == 0 ? "accepted_request_sequencing_event_id" : "accepted_request_message_id")} is not set");
                }

                if (update is null && acceptance.AcceptedRequest is null)
                {
                    return UnknownUpdate(id);
                }

                acceptedHere.Add(id);
                return waiting ? null : InvalidTransition(id, "*update.Acceptance", update!);
            case RejectionType:
                if (update is null && message.Body.Unpack<Rejection>().RejectedRequest is null)
                {
                    return UnknownUpdate(id);
                }

                return waiting ? null : InvalidTransition(id, "*update.Rejection", update!);
            case ResponseType:
                var response = message.Body.Unpack<Response>();
                if (response.Meta is null || string.IsNullOrEmpty(response.Meta.UpdateId) || response.Outcome is null)
                {
                    return BadMessage($"invalid *update.Response: {(response.Meta is null ? "meta" : string.IsNullOrEmpty(response.Meta.UpdateId) ? "meta.update_id" : "outcome")} is not set");
                }

                if (response.Meta.UpdateId != id)
                {
                    return BadMessage($"invalid *update.Response: meta.update_id != {id}");
                }

                if (acceptedHere.Contains(id) || update?.State == UpdateState.Accepted)
                {
                    return null;
                }

                return update is null ? UnknownUpdate(id) : InvalidTransition(id, "*update.Response", update);
            default:
                return BadMessage($"unsupported protocol type {type}");
        }
    }

    private static CommandError BadMessage(string message) => new(WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage, message);

    private static CommandError UnknownUpdate(string id) =>
        BadMessage($"update {id} wasn't found on the server. This is most likely a transient error which will be resolved automatically by retries");

    private static CommandError InvalidTransition(string id, string messageType, WorkflowUpdate update) =>
        BadMessage($"invalid state transition attempted for Update {id}: received {messageType} message while in state {update.State}");

    private void ProcessUpdateMessage(Message message)
    {
        // Once the run closed, the updates' fate is decided (AbortUpdatesOnClose); later messages change nothing.
        if (!IsOpen)
        {
            return;
        }

        var id = message.ProtocolInstanceId;
        var update = FindUpdate(id);
        switch (Any.GetTypeName(message.Body.TypeUrl))
        {
            case AcceptanceType:
                var acceptance = message.Body.Unpack<Acceptance>();
                update ??= Resurrect(id, acceptance.AcceptedRequest);
                var accepted = NewEvent(EventType.WorkflowExecutionUpdateAccepted);
                accepted.WorkflowExecutionUpdateAcceptedEventAttributes = new WorkflowExecutionUpdateAcceptedEventAttributes
                {
                    ProtocolInstanceId = id,
                    AcceptedRequestMessageId = id + "/request",
                    AcceptedRequestSequencingEventId = acceptance.AcceptedRequestSequencingEventId,
                    AcceptedRequest = update.Request ?? acceptance.AcceptedRequest,
                };
                Write(accepted);
                update.Accept(accepted.EventId);
                _updateEvents![id] = (accepted.EventId, 0);
                break;
            case RejectionType:
                var rejection = message.Body.Unpack<Rejection>();
                update ??= Resurrect(id, rejection.RejectedRequest);
                _updates.Remove(id);
                update.Reject(rejection.Failure);
                break;
            default:
                var response = message.Body.Unpack<Response>();
                var completed = NewEvent(EventType.WorkflowExecutionUpdateCompleted);
                completed.WorkflowExecutionUpdateCompletedEventAttributes = new WorkflowExecutionUpdateCompletedEventAttributes
                {
                    Meta = response.Meta,
                    AcceptedEventId = update!.AcceptedEventId,
                    Outcome = response.Outcome,
                };
                Write(completed);
                _updates.Remove(id);
                update.Complete(response.Outcome);
                _updateEvents![id] = (update.AcceptedEventId, completed.EventId);
                break;
        }
    }

    /// <summary>
    /// Takes back an update this server no longer knows (admitted before a restart) from the request the worker's
    /// acceptance or rejection carries, as real Temporal resurrects one its registry lost.
    /// </summary>
    private WorkflowUpdate Resurrect(string id, Request request)
    {
        var update = new WorkflowUpdate(id, request, ++_updateAdmissions, false, this);
        update.MarkSent();
        _updates.Add(id, update);
        return update;
    }
}
