using System.Buffers.Binary;
using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Visibility;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Schedules;

/// <content>What DescribeSchedule, ListSchedules and ListScheduleMatchingTimes show of a schedule.</content>
internal sealed partial class ServerSchedule
{
    /// <summary>Gets the conflict token as the API carries it: 8 bytes, big-endian.</summary>
    public ByteString ConflictTokenBytes
    {
        get
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(bytes, ConflictToken);
            return ByteString.CopyFrom(bytes);
        }
    }

    public DescribeScheduleResponse Describe()
    {
        var info = Info.Clone();
        info.FutureActionTimes.AddRange(FutureActionTimes(ScheduleLimits.FutureActionCount));
        info.BufferSize = _buffer.Count;

        // Closed runs leave the list at the next wake-up; describe shows them closed already, as real Temporal checks them.
        var running = info.RunningWorkflows.Where(e => CurrentRun(e) is { IsOpen: true }).ToList();
        info.RunningWorkflows.Clear();
        info.RunningWorkflows.AddRange(running);
        foreach (var action in info.RecentActions)
        {
            if (CurrentRun(action.StartWorkflowResult) is { } run)
            {
                action.StartWorkflowStatus = run.Status;
            }
        }

        var schedule = Definition.Clone();
        CleanSpec(schedule.Spec);
        if (schedule.Action.StartWorkflow?.SearchAttributes is { } actionAttributes)
        {
            schedule.Action.StartWorkflow.SearchAttributes = Typed(actionAttributes.IndexedFields);
        }

        return new DescribeScheduleResponse
        {
            Schedule = schedule,
            Info = info,
            Memo = Memo.Fields.Count > 0 ? Memo.Clone() : null,
            SearchAttributes = SearchAttributes.Count > 0 ? Typed(SearchAttributes) : null,
            ConflictToken = ConflictTokenBytes,
        };
    }

    public ScheduleListEntry ListEntry()
    {
        var spec = Definition.Spec.Clone();
        spec.TimezoneData = ByteString.Empty;
        CleanSpec(spec);
        Truncate(spec.StructuredCalendar);
        Truncate(spec.ExcludeStructuredCalendar);
        Truncate(spec.Interval);
        var info = new ScheduleListInfo
        {
            Spec = spec,
            WorkflowType = Definition.Action.StartWorkflow?.WorkflowType,
            Notes = State.Notes,
            Paused = State.Paused,
        };
        info.RecentActions.AddRange(Info.RecentActions.TakeLast(ScheduleLimits.ListRecentActionCount));
        info.FutureActionTimes.AddRange(FutureActionTimes(ScheduleLimits.ListFutureActionCount));
        return new ScheduleListEntry
        {
            ScheduleId = Id,
            Memo = Memo.Fields.Count > 0 ? Memo.Clone() : null,
            SearchAttributes = SearchAttributes.Count > 0 ? Typed(SearchAttributes) : null,
            Info = info,
        };
    }

    /// <summary>The action times of the spec in (<paramref name="start"/>, <paramref name="end"/>], at most 1,000, whatever the schedule's state.</summary>
    public IEnumerable<Timestamp> MatchingTimes(DateTime start, DateTime end)
    {
        if (_spec is null)
        {
            yield break;
        }

        var after = start;
        for (var i = 0; i < ScheduleLimits.MaxListMatchingTimes && _spec.NextTime(after, JitterSeed) is { } next && next.Next <= end; i++)
        {
            yield return Timestamp.FromDateTime(next.Next);
            after = next.Next;
        }
    }

    /// <summary>Sets the API's defaults in ranges, as real Temporal shows them: an end before the start is the start, a step of 0 is 1.</summary>
    private static void CleanSpec(ScheduleSpec spec)
    {
        foreach (var calendar in spec.StructuredCalendar.Concat(spec.ExcludeStructuredCalendar))
        {
            foreach (var range in new[] { calendar.Second, calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.Year, calendar.DayOfWeek }.SelectMany(r => r))
            {
                range.End = Math.Max(range.End, range.Start);
                range.Step = Math.Max(range.Step, 1);
            }
        }
    }

    private static void Truncate<T>(Google.Protobuf.Collections.RepeatedField<T> list)
    {
        while (list.Count > ScheduleLimits.ListSpecFieldLength)
        {
            list.RemoveAt(list.Count - 1);
        }
    }

    /// <summary>The upcoming action times: those the schedule will take, so none before an update, none past the remaining actions.</summary>
    private List<Timestamp> FutureActionTimes(int count)
    {
        var times = new List<Timestamp>();
        if (_spec is null)
        {
            return times;
        }

        if (State.LimitedActions)
        {
            count = (int)Math.Min(count, Math.Max(State.RemainingActions, 0));
        }

        // A paused schedule skips the time it spends paused, so its next times start from now.
        var after = State.Paused && Engine.UtcNow > LastProcessedTime ? Engine.UtcNow : LastProcessedTime;
        var updated = Info.UpdateTime?.ToDateTime();
        while (times.Count < count && _spec.NextTime(after, JitterSeed) is { } next)
        {
            after = next.Next;
            if (next.Next >= updated || updated is null)
            {
                times.Add(Timestamp.FromDateTime(next.Next));
            }
        }

        return times;
    }

    /// <summary>Search attributes with their registered types, which the SDKs need to read them.</summary>
    private SearchAttributes Typed(IEnumerable<KeyValuePair<string, Payload>> attributes)
    {
        var typed = new SearchAttributes();
        foreach (var (name, payload) in attributes)
        {
            var type = Namespace.CustomSearchAttributes.TryGetValue(name, out var custom) ? custom
                : SystemSearchAttributes.All.GetValueOrDefault(name, IndexedValueType.Keyword);
            typed.IndexedFields[name] = SearchAttributeValues.WithType(payload, type);
        }

        return typed;
    }
}
