using Dstack.Core.Backends;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Dstack.Workflows.Queue;

/// <summary>
/// The capacity queue of one task queue (docs/architecture.md#the-capacity-queue): runs that found every slot of the
/// machines dstack has (SSH hosts' <c>blocks</c>) taken wait here, in the order they came, per resource shape. A run that
/// releases such a slot signals <c>freed</c> with the machine's offer; the queue then wakes the first waiting run of each
/// shape with that offer, which claims it at once (without searching every host) and leaves the queue when it got the
/// slot, or looks at every host and joins again, keeping its place, when another took it.
/// </summary>
/// <remarks>
/// The queue holds order, not slots: the slots themselves are the hosts' claim folders, taken by atomic <c>mkdir</c>, so
/// no crash of the server, the worker or the queue can book one twice. A slot freed while nobody was told (a claim gone
/// stale, a host that answers again) is found by the queue's own look: every <see cref="LookEvery"/> it wakes the first
/// waiting run of each shape without an offer, which then searches every host. One look a minute, not one per waiting
/// run: runs that looked by themselves took freed slots from the woken runs they were meant for, and at 2,000 waiting
/// runs searched every host many times a second. A woken run whose workflow is gone (terminated)
/// is dropped when the wake signal fails. With nobody waiting for <see cref="IdleLifetime"/>, the queue completes; the
/// next run to join starts it again (signal-with-start).
/// </remarks>
[Workflow(Name)]
public sealed class CapacityQueueWorkflow
{
    /// <summary>The workflow type name.</summary>
    public const string Name = "CapacityQueue";

    /// <summary>The signal a run sends to wait (again) for a slot, with its <see cref="QueuedRun"/>.</summary>
    public const string JoinSignal = "join";

    /// <summary>The signal a run sends with its ID when it got a slot or stopped waiting.</summary>
    public const string LeaveSignal = "leave";

    /// <summary>The signal a run sends when it gave a slot back, with the machine's <see cref="InstanceOffer"/>.</summary>
    public const string FreedSignal = "freed";

    /// <summary>The query that lists the waiting runs in order.</summary>
    public const string WaitingQuery = "waiting";

    private static readonly TimeSpan IdleLifetime = TimeSpan.FromMinutes(1);

    /// <summary>How often the queue sends the first waiting run of each shape to look at every host, unless its input says otherwise.</summary>
    private static readonly TimeSpan LookEvery = TimeSpan.FromMinutes(1);

    /// <summary>The patch after which the queue looks for slots freed silently, and the waiting runs look seldom themselves.</summary>
    internal const string QueueLooksPatch = "queue-looks-for-free-slots";

    /// <summary>
    /// The patch after which the queue continues as new at <see cref="HistoryLimit"/> events instead of Temporal's
    /// suggestion (4,096). A continue-as-new fails while signals keep arriving (Temporal refuses to close a workflow with
    /// events it has not seen), and each retry replays the whole history on the worker: with a release every 50 ms, a
    /// 4,000-event queue stalled 6 s at 500 runs and up to 96 s at 2,000 before a retry was quick enough.
    /// </summary>
    internal const string SmallHistoryPatch = "queue-small-history";

    /// <summary>How many events the queue's history holds before it continues as new (since <see cref="SmallHistoryPatch"/>).</summary>
    private const int HistoryLimit = 1000;

    /// <summary>
    /// The patch after which the queue's look wakes nobody in a line whose first run it woke is still looking: the next
    /// look woke the second in line as well, and it took the slot the look had found for the first (a test saw it).
    /// </summary>
    internal const string OneLookAtATimePatch = "queue-one-look-at-a-time";

    private readonly List<QueuedRun> _waiting = [];
    private readonly List<InstanceOffer?> _freed = [];
    private Task? _nextLook;
    private bool _smallHistory;

    /// <summary>Gets the queue's workflow ID for a task queue: one queue per set of workers, as each set has its own hosts.</summary>
    public static string IdFor(string taskQueue) => $"dstack-capacity-queue-{taskQueue}";

    /// <summary>Gets the waiting runs in order.</summary>
    [WorkflowQuery(WaitingQuery)]
    public IReadOnlyList<QueuedRun> Waiting => [.. _waiting];

    /// <summary>Runs the queue until it has been empty for a while.</summary>
    [WorkflowRun]
    public async Task RunAsync(CapacityQueueInput input)
    {
        ArgumentNullException.ThrowIfNull(input);

        // Decided once, first: a queue started before the patch replays with Temporal's suggestion alone.
        _smallHistory = Workflow.Patched(SmallHistoryPatch);
        _waiting.AddRange(input.Waiting);
        _freed.AddRange(input.Freed);
        while (true)
        {
            if (_waiting.Count == 0)
            {
                _freed.Clear();
                if (!await Workflow.WaitConditionAsync(() => _waiting.Count > 0 || ContinueAsNewDue, IdleLifetime) && _waiting.Count == 0)
                {
                    return;
                }
            }
            else if (Workflow.Patched(QueueLooksPatch))
            {
                // One timer for the look, not one per wait: every signal ends a wait, and a timer started and cancelled
                // each time would add two events to the queue's history per signal.
                var look = _nextLook ??= Workflow.DelayAsync(input.LookEvery ?? LookEvery);
                await Workflow.WaitConditionAsync(() => _freed.Count > 0 || _waiting.Count == 0 || look.IsCompleted || ContinueAsNewDue);
                if (look.IsCompleted)
                {
                    _nextLook = null;
                    _freed.Add(null);
                }
            }
            else
            {
                await Workflow.WaitConditionAsync(() => _freed.Count > 0 || _waiting.Count == 0 || ContinueAsNewDue);
            }

            if (_freed.Count > 0)
            {
                await WakeAsync();
            }

            if (ContinueAsNewDue)
            {
                await Workflow.WaitConditionAsync(() => Workflow.AllHandlersFinished);
                var carried = new CapacityQueueInput(_waiting.ToList(), _freed.ToList(), input.LookEvery);
                throw Workflow.CreateContinueAsNewException((CapacityQueueWorkflow wf) => wf.RunAsync(carried));
            }
        }
    }

    private bool ContinueAsNewDue => Workflow.ContinueAsNewSuggested || (_smallHistory && Workflow.CurrentHistoryLength >= HistoryLimit);

    /// <summary>Puts a run at the end of its shape's line, or keeps its place when it is there already (it was woken and lost the slot).</summary>
    [WorkflowSignal(JoinSignal)]
    public Task JoinAsync(QueuedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var index = _waiting.FindIndex(r => r.RunId == run.RunId);
        if (index >= 0)
        {
            _waiting[index] = _waiting[index] with { Woken = false };
        }
        else
        {
            _waiting.Add(run with { Woken = false });
        }

        return Task.CompletedTask;
    }

    /// <summary>Takes a run out of the queue.</summary>
    [WorkflowSignal(LeaveSignal)]
    public Task LeaveAsync(string runId)
    {
        _waiting.RemoveAll(r => r.RunId == runId);
        return Task.CompletedTask;
    }

    /// <summary>Counts a slot given back, with the offer of the machine it was on (null from a run that did not say).</summary>
    [WorkflowSignal(FreedSignal)]
    public Task FreedAsync(InstanceOffer? offer = null)
    {
        _freed.Add(offer);
        return Task.CompletedTask;
    }

    /// <summary>
    /// For each slot freed, wakes the first run of each shape not woken yet, with the freed machine's offer: the queue
    /// does not judge which shapes fit the machine, so each shape's first run judges and tries, and those that lose join
    /// again in their place.
    /// </summary>
    private async Task WakeAsync()
    {
        var freed = _freed.ToList();
        _freed.Clear();
        var woken = new List<(string RunId, InstanceOffer? Offer)>();
        foreach (var shape in _waiting.Select(r => r.Shape).Distinct(StringComparer.Ordinal).ToList())
        {
            // A look (no offer) finds at most a slot per line at a time: a line whose woken run has not come back (joined
            // again or left) is still being looked for. A slot given back (an offer) always wakes the next in line.
            var offers = _waiting.Any(r => r.Shape == shape && r.Woken) && Workflow.Patched(OneLookAtATimePatch)
                ? freed.Where(f => f is not null).ToList()
                : freed;
            var runs = _waiting.Where(r => r.Shape == shape && !r.Woken).Take(offers.Count).ToList();
            for (var i = 0; i < runs.Count; i++)
            {
                _waiting[_waiting.IndexOf(runs[i])] = runs[i] with { Woken = true };
                woken.Add((runs[i].RunId, offers[i]));
            }
        }

        await Workflow.WhenAllAsync(woken.Select(w => SignalWakeAsync(w.RunId, w.Offer)));
    }

    private async Task SignalWakeAsync(string runId, InstanceOffer? offer)
    {
        try
        {
            await Workflow.GetExternalWorkflowHandle(runId).SignalAsync(RunWorkflow.WakeSignal, [offer]);
        }
        catch (FailureException)
        {
            // The run's workflow is gone (terminated, or ended without leaving): nothing waits under that ID any more.
            _waiting.RemoveAll(r => r.RunId == runId);
        }
    }
}
