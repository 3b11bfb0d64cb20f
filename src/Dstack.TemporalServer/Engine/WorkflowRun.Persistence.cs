using Dstack.TemporalServer.Persistence;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>
/// Persistence: the run's changes as a store record, and the reverse, a run rebuilt from its record with its
/// timers re-armed at their absolute due times and its scheduled tasks queued again.
/// </content>
internal sealed partial class WorkflowRun
{
    private const byte StateFormat = 1;

    /// <summary>
    /// State added after format 1 goes in tagged sections at the end: a file written before them still reads, and
    /// sections added by different changes do not depend on each other's order.
    /// </summary>
    private const byte ActivityControlSection = 1;

    private const byte ChildrenSection = 2;

    /// <summary>Gets or sets how many history events the store already holds.</summary>
    public int PersistedEventCount { get; set; }

    /// <summary>Captures the run's new events and its whole mutable state; called under the engine lock.</summary>
    public RunRecord CaptureForStore()
    {
        var newEvents = new List<byte[]>(History.Count - PersistedEventCount);
        for (var i = PersistedEventCount; i < History.Count; i++)
        {
            newEvents.Add(History[i].ToByteArray());
        }

        var record = new RunRecord(RunId, Namespace.Name, WorkflowId, Sequence, EncodeState(), PersistedEventCount + 1, newEvents);
        PersistedEventCount = History.Count;
        return record;
    }

    /// <summary>Rebuilds a run from the store. Call <see cref="Resume"/> once every run is back.</summary>
    public static WorkflowRun Restore(TemporalEngine engine, ServerNamespace ns, StoredRun stored)
    {
        var events = stored.Events.Select(HistoryEvent.Parser.ParseFrom).ToList();
        if (events.Count == 0 || events[0].WorkflowExecutionStartedEventAttributes is not { } started)
        {
            throw new ServerStoreException($"run {stored.RunId} has no WorkflowExecutionStarted event");
        }

        using var reader = new BinaryReader(new MemoryStream(stored.State));
        var format = reader.ReadByte();
        if (format is < 1 or > StateFormat)
        {
            throw new ServerStoreException($"run {stored.RunId} has a state format this version does not read");
        }

        var requestId = reader.ReadString();
        var startTime = ReadTime(reader);
        var run = new WorkflowRun(engine, ns, stored.WorkflowId, stored.RunId, requestId, started, startTime, stored.Sequence);
        foreach (var e in events)
        {
            run.History.Add(e);
            run._historySizeBytes += e.CalculateSize();
            if (e.ActivityTaskStartedEventAttributes is { } activityStarted)
            {
                run._lazyStartedIds[activityStarted.ScheduledEventId] = e.EventId;
            }
        }

        run.PersistedEventCount = events.Count;
        run.Status = (WorkflowExecutionStatus)reader.ReadInt32();
        if (reader.ReadBoolean())
        {
            run.CloseTime = ReadTime(reader);
            run.CloseEvent = run.History[^1];
            run._closed.TrySetResult();
        }

        run._cancelRequested = reader.ReadBoolean();
        run.Memo.Fields.Clear();
        run.Memo.MergeFrom(ReadMessage(reader, Memo.Parser));
        run.SearchAttributes.Clear();
        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            run.SearchAttributes[reader.ReadString()] = ReadMessage(reader, Payload.Parser)!;
        }

        run.Wft = (WftPhase)reader.ReadByte();
        run.WftScheduledEventId = reader.ReadInt64();
        run.WftStartedEventId = reader.ReadInt64();
        run.WftAttempt = reader.ReadInt32();
        run.WftScheduledTime = ReadTime(reader);
        run.WftStartedTime = ReadTime(reader);
        run.LastCompletedWftStartedEventId = reader.ReadInt64();
        run._wftNeeded = reader.ReadBoolean();
        run.RestoreWorkflowTaskTimeout();
        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            run._buffer.Add(ReadMessage(reader, HistoryEvent.Parser)!);
        }

        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            var scheduledEventId = reader.ReadInt64();
            var activity = new ActivityState(scheduledEventId, run.History[(int)scheduledEventId - 1].ActivityTaskScheduledEventAttributes, ReadTime(reader))
            {
                CurrentAttemptScheduledTime = ReadTime(reader),
                Attempt = reader.ReadInt32(),
                Started = reader.ReadBoolean(),
                StartedTime = ReadTime(reader),
                StartedIdentity = reader.ReadString(),
                StartedRequestId = reader.ReadString(),
                HeartbeatDetails = ReadMessage(reader, Payloads.Parser),
                LastHeartbeatTime = reader.ReadBoolean() ? ReadTime(reader) : null,
                LastFailure = ReadMessage(reader, Failure.Parser),
                LastWorkerIdentity = reader.ReadString(),
                CancelRequestedEventId = reader.ReadInt64(),
            };
            run.Activities.Add(scheduledEventId, activity);
        }

        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            // Timers are armed in Resume; until then the entry holds the due time only.
            var timerId = reader.ReadString();
            run.Timers[timerId] = new UserTimer(timerId, reader.ReadInt64(), ReadTime(reader), NoTimer.Instance);
        }

        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            var section = reader.ReadByte();
            using var content = new BinaryReader(new MemoryStream(reader.ReadBytes(reader.ReadInt32())));
            if (section == ActivityControlSection)
            {
                run.ReadActivityControl(content);
            }
            else if (section == ChildrenSection)
            {
                run.ReadChildren(content);
            }
        }

        return run;
    }

    /// <summary>
    /// Puts a restored run back to work: timers due meanwhile fire at once, scheduled tasks are queued again, and a
    /// task that was started before the restart stays started until its own timeout (its worker may be gone).
    /// </summary>
    public void Resume()
    {
        if (!IsOpen)
        {
            return;
        }

        WorkflowStarter.ArmRunTimers(Engine, this);
        switch (Wft)
        {
            case WftPhase.Scheduled:
                QueueWorkflowTask();
                break;
            case WftPhase.Started:
                ArmWorkflowTaskTimer();
                break;
            default:
                break;
        }

        foreach (var timer in Timers.Values.ToList())
        {
            ArmUserTimer(timer.TimerId, timer.StartedEventId, timer.DueTime);
        }

        foreach (var activity in Activities.Values.ToList())
        {
            ArmScheduleToCloseTimer(activity);
            if (activity.Started)
            {
                ArmStartedAttemptTimers(activity);
            }
            else
            {
                QueueActivityAttemptWhenDue(activity);
            }
        }
    }

    /// <summary>
    /// A pending task whose scheduled event is not where it points is transient (a retry kept out of the history); its
    /// timeout is drawn again, the others keep the one their scheduled event recorded.
    /// </summary>
    private void RestoreWorkflowTaskTimeout()
    {
        if (Wft == WftPhase.None)
        {
            return;
        }

        var scheduled = WftScheduledEventId <= History.Count ? History[(int)WftScheduledEventId - 1].WorkflowTaskScheduledEventAttributes : null;
        _wftTransient = scheduled is null;
        WftTimeout = scheduled?.StartToCloseTimeout?.ToTimeSpan() ?? WorkflowTaskBackoff.StartToCloseTimeout(WorkflowTaskTimeout, WftAttempt);
    }

    private byte[] EncodeState()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(StateFormat);
            writer.Write(RequestId);
            WriteTime(writer, StartTime);
            writer.Write((int)Status);
            writer.Write(CloseTime.HasValue);
            if (CloseTime is { } closed)
            {
                WriteTime(writer, closed);
            }

            writer.Write(_cancelRequested);
            WriteMessage(writer, Memo);
            writer.Write(SearchAttributes.Count);
            foreach (var (name, payload) in SearchAttributes)
            {
                writer.Write(name);
                WriteMessage(writer, payload);
            }

            writer.Write((byte)Wft);
            writer.Write(WftScheduledEventId);
            writer.Write(WftStartedEventId);
            writer.Write(WftAttempt);
            WriteTime(writer, WftScheduledTime);
            WriteTime(writer, WftStartedTime);
            writer.Write(LastCompletedWftStartedEventId);
            writer.Write(_wftNeeded);
            writer.Write(_buffer.Count);
            foreach (var e in _buffer)
            {
                WriteMessage(writer, e);
            }

            writer.Write(Activities.Count);
            foreach (var a in Activities.Values)
            {
                writer.Write(a.ScheduledEventId);
                WriteTime(writer, a.ScheduledTime);
                WriteTime(writer, a.CurrentAttemptScheduledTime);
                writer.Write(a.Attempt);
                writer.Write(a.Started);
                WriteTime(writer, a.StartedTime);
                writer.Write(a.StartedIdentity);
                writer.Write(a.StartedRequestId);
                WriteMessage(writer, a.HeartbeatDetails);
                writer.Write(a.LastHeartbeatTime.HasValue);
                if (a.LastHeartbeatTime is { } beat)
                {
                    WriteTime(writer, beat);
                }

                WriteMessage(writer, a.LastFailure);
                writer.Write(a.LastWorkerIdentity);
                writer.Write(a.CancelRequestedEventId);
            }

            writer.Write(Timers.Count);
            foreach (var timer in Timers.Values)
            {
                writer.Write(timer.TimerId);
                writer.Write(timer.StartedEventId);
                WriteTime(writer, timer.DueTime);
            }

            // A section with nothing in it is left out (reading treats a missing section as empty): almost every run
            // has no controlled activity and no child, and its row is rewritten on every change.
            if (HasControlledActivities())
            {
                WriteSection(writer, ActivityControlSection, WriteActivityControl);
            }

            if (Children.Count > 0)
            {
                WriteSection(writer, ChildrenSection, WriteChildren);
            }
        }

        return stream.ToArray();
    }

    private void WriteChildren(BinaryWriter writer)
    {
        writer.Write(Children.Count);
        foreach (var child in Children.Values)
        {
            writer.Write(child.InitiatedEventId);
            writer.Write(child.StartedEventId);
            writer.Write(child.StartedRunId);
        }
    }

    private void ReadChildren(BinaryReader reader)
    {
        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            var initiatedEventId = reader.ReadInt64();
            Children.Add(initiatedEventId, new ChildExecution(initiatedEventId, History[(int)initiatedEventId - 1].StartChildWorkflowExecutionInitiatedEventAttributes)
            {
                StartedEventId = reader.ReadInt64(),
                StartedRunId = reader.ReadString(),
            });
        }
    }

    /// <summary>Writes a section in place, its length filled in after its content, rather than through a buffer of its own.</summary>
    private static void WriteSection(BinaryWriter writer, byte section, Action<BinaryWriter> write)
    {
        writer.Write(section);
        var lengthAt = (int)writer.BaseStream.Position;
        writer.Write(0);
        write(writer);
        var end = (int)writer.BaseStream.Position;
        writer.Seek(lengthAt, SeekOrigin.Begin);
        writer.Write(end - lengthAt - sizeof(int));
        writer.Seek(end, SeekOrigin.Begin);
    }

    private static bool IsControlled(ActivityState activity) => activity.Paused || activity.ResetRequested || activity.ResetHeartbeats;

    private bool HasControlledActivities()
    {
        foreach (var activity in Activities.Values)
        {
            if (IsControlled(activity))
            {
                return true;
            }
        }

        return false;
    }

    private void WriteActivityControl(BinaryWriter writer)
    {
        var controlled = Activities.Values.Where(IsControlled).ToList();
        writer.Write(controlled.Count);
        foreach (var a in controlled)
        {
            writer.Write(a.ScheduledEventId);
            writer.Write(a.ResetRequested);
            writer.Write(a.ResetHeartbeats);
            writer.Write(a.Pause is not null);
            if (a.Pause is { } pause)
            {
                WriteTime(writer, pause.PauseTime);
                writer.Write(pause.Identity);
                writer.Write(pause.Reason);
                writer.Write(pause.RequestId);
            }
        }
    }

    private void ReadActivityControl(BinaryReader reader)
    {
        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            var activity = Activities[reader.ReadInt64()];
            activity.ResetRequested = reader.ReadBoolean();
            activity.ResetHeartbeats = reader.ReadBoolean();
            if (reader.ReadBoolean())
            {
                activity.Pause = new ActivityPause(ReadTime(reader), reader.ReadString(), reader.ReadString(), reader.ReadString());
            }
        }
    }

    private static void WriteTime(BinaryWriter writer, DateTime time) => writer.Write(time.Ticks);

    private static DateTime ReadTime(BinaryReader reader) => new(reader.ReadInt64(), DateTimeKind.Utc);

    private static void WriteMessage(BinaryWriter writer, IMessage? message)
    {
        if (message is null)
        {
            writer.Write(-1);
            return;
        }

        var bytes = message.ToByteArray();
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static T? ReadMessage<T>(BinaryReader reader, MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        var length = reader.ReadInt32();
        return length < 0 ? null : parser.ParseFrom(reader.ReadBytes(length));
    }
}
