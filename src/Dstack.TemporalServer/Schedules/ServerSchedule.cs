using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Visibility;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// One schedule: its definition, what it has done (real Temporal's ScheduleInfo) and the scheduler's own state (how far
/// it has looked, the starts waiting on the overlap policy, backfills under way, the last run's result). Real Temporal
/// runs this as a workflow; here it is engine state, woken by its own timer, by requests and when a workflow it started
/// closes. Every member is called under the engine lock.
/// </summary>
internal sealed partial class ServerSchedule : IVisibilityRecord
{
    private List<BufferedStart> _buffer = [];
    private readonly List<BackfillRequest> _backfills = [];
    private CompiledScheduleSpec? _spec;

    /// <summary>Creates a schedule from a checked definition (see <see cref="Normalize"/>) at <paramref name="createTime"/>.</summary>
    public ServerSchedule(TemporalEngine engine, ServerNamespace ns, string id, string requestId, Schedule definition, CompiledScheduleSpec? spec, DateTime createTime)
    {
        Engine = engine;
        Namespace = ns;
        Id = id;
        RequestId = requestId;
        Definition = definition;
        _spec = spec;
        Info = new ScheduleInfo { CreateTime = Timestamp.FromDateTime(createTime) };
        LastProcessedTime = createTime;
    }

    public TemporalEngine Engine { get; }

    public ServerNamespace Namespace { get; }

    public string Id { get; }

    /// <summary>Gets the request ID that created the schedule: a retried create with it succeeds again, as a retried start does.</summary>
    public string RequestId { get; }

    /// <summary>Gets the spec (canonical), action, policies (defaults filled in) and state.</summary>
    public Schedule Definition { get; private set; }

    public ScheduleInfo Info { get; private set; }

    public Memo Memo { get; private set; } = new();

    /// <summary>Gets the schedule's own custom search attributes (not those of the workflows it starts).</summary>
    public Dictionary<string, Payload> SearchAttributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the time up to which the spec's actions have been taken (or skipped).</summary>
    public DateTime LastProcessedTime { get; private set; }

    /// <summary>Gets the version that updates check: it changes with every change of definition or state.</summary>
    public long ConflictToken { get; private set; } = ScheduleLimits.InitialConflictToken;

    /// <summary>Gets the result of the last workflow that completed, handed to the next one it starts.</summary>
    public Payloads? LastCompletionResult { get; private set; }

    /// <summary>Gets the failure of the last workflow that failed since the last completion, handed to the next one.</summary>
    public Failure? LastFailure { get; private set; }

    public bool IsClosed { get; private set; }

    public ScheduleState State => Definition.State;

    /// <summary>Gets the seed of the spec's jitter: the same schedule always gets the same delays.</summary>
    private string JitterSeed => $"{Namespace.Name}-{Id}";

    private TimeSpan CatchupWindow => Definition.Policies.CatchupWindow.ToTimeSpan();

    /// <summary>Fills in real Temporal's defaults so that they show in DescribeSchedule: overlap SKIP, a catch-up window of a year (10 s at least).</summary>
    public static Schedule Normalize(Schedule schedule, CompiledScheduleSpec spec)
    {
        var normalized = schedule.Clone();
        normalized.Spec = spec.Canonical;
        normalized.Action ??= new ScheduleAction();
        normalized.Policies ??= new SchedulePolicies();
        if (normalized.Policies.OverlapPolicy == ScheduleOverlapPolicy.Unspecified)
        {
            normalized.Policies.OverlapPolicy = ScheduleOverlapPolicy.Skip;
        }

        var window = normalized.Policies.CatchupWindow?.ToTimeSpan() ?? ScheduleLimits.DefaultCatchupWindow;
        normalized.Policies.CatchupWindow = Duration.FromTimeSpan(window < ScheduleLimits.MinCatchupWindow ? ScheduleLimits.MinCatchupWindow : window);
        normalized.State ??= new ScheduleState();
        return normalized;
    }

    /// <summary>Replaces the custom search attributes; deletion payloads (null) are dropped.</summary>
    public void ReplaceSearchAttributes(SearchAttributes? attributes)
    {
        SearchAttributes.Clear();
        foreach (var (name, payload) in attributes?.IndexedFields ?? [])
        {
            if (!SearchAttributeValues.IsDeletion(payload))
            {
                SearchAttributes[name] = payload;
            }
        }
    }

    public void ReplaceMemo(Memo? memo) => Memo = memo?.Clone() ?? new Memo();

    public object? GetValue(string attributeName)
    {
        if (SearchAttributes.TryGetValue(attributeName, out var payload) && Namespace.CustomSearchAttributes.TryGetValue(attributeName, out var type))
        {
            return SearchAttributeValues.Decode(payload, type);
        }

        return attributeName switch
        {
            ScheduleQuery.ScheduleIdAttribute => Id,
            SystemSearchAttributes.WorkflowId => ScheduleLimits.WorkflowIdPrefix + Id,
            "WorkflowType" => ScheduleLimits.WorkflowType,
            SystemSearchAttributes.ExecutionStatus => "Running",
            SystemSearchAttributes.TemporalNamespaceDivision => ScheduleLimits.NamespaceDivision,
            ScheduleQuery.PausedAttribute => State.Paused,
            "StartTime" or "ExecutionTime" => new DateTimeOffset(Info.CreateTime.ToDateTime()),
            _ => null,
        };
    }

    /// <summary>Stops the schedule for good: its timer and its watches; the workflows it started go on.</summary>
    public void Close()
    {
        IsClosed = true;
        _timer?.Dispose();
        _timer = null;
    }

    private ScheduleOverlapPolicy Resolve(ScheduleOverlapPolicy policy) =>
        policy != ScheduleOverlapPolicy.Unspecified ? policy
        : Definition.Policies.OverlapPolicy != ScheduleOverlapPolicy.Unspecified ? Definition.Policies.OverlapPolicy
        : ScheduleOverlapPolicy.Skip;

    /// <summary>Whether an action may be taken now: always by hand; on time only unpaused and with actions left (one used when <paramref name="use"/>).</summary>
    private bool CanTakeAction(bool manual, bool use)
    {
        if (manual)
        {
            return true;
        }

        if (State.Paused)
        {
            return false;
        }

        if (!State.LimitedActions)
        {
            return true;
        }

        if (State.RemainingActions <= 0)
        {
            return false;
        }

        if (use)
        {
            State.RemainingActions--;
            ConflictToken++;
        }

        return true;
    }
}
