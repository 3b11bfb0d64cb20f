using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Workflows.Contracts;
using Dstack.Workflows.Queue;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Dstack.Workflows;

/// <summary>
/// The run's side of the capacity queue (<see cref="CapacityQueueWorkflow"/>): a run that finds every slot of the
/// machines dstack has taken joins the queue, looks once more (a slot freed just before it joined woke nobody), then
/// waits to be woken, within <c>retry.duration</c>; a run that gives such a slot back says so. Clouds have no fixed slots
/// and keep the backoff of <see cref="SearchCapacityAsync"/>.
/// </summary>
public sealed partial class RunWorkflow
{
    /// <summary>The signal the capacity queue sends when a slot freed and this run is first in line.</summary>
    public const string WakeSignal = "capacity-freed";

    /// <summary>The patch that added the capacity queue and the failure at once of a run that fits nowhere.</summary>
    private const string CapacityQueuePatch = "capacity-queue";

    /// <summary>The patch after which a run that got a slot goes on to prepare its job while its leave signal travels.</summary>
    private const string LeaveWithoutWaitingPatch = "leave-queue-without-waiting";

    /// <summary>
    /// How long a waiting run trusts the queue before looking at the hosts itself: a slot that frees other than by a run's
    /// release (a claim gone stale, a host that answers again) wakes nobody.
    /// </summary>
    private static readonly TimeSpan QueueRecheck = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest pause between a waiting run's own looks: each look that found nothing doubles the next pause up to this.
    /// Every waiting run looking every minute made 2,000 waiting runs about 33 searches of every host a second.
    /// </summary>
    private static readonly TimeSpan MaxQueueRecheck = TimeSpan.FromMinutes(5);

    /// <summary>The patch after which a waiting run's own looks come further apart while they find nothing.</summary>
    private const string RecheckBackoffPatch = "queue-recheck-backoff";

    /// <summary>
    /// Once the queue looks for slots freed silently (<see cref="CapacityQueueWorkflow"/>), a waiting run's own look is only
    /// the fallback for a queue that is gone: five minutes, then up to <see cref="MaxFallbackRecheck"/>.
    /// </summary>
    private static readonly TimeSpan FallbackRecheck = TimeSpan.FromMinutes(5);

    /// <summary>The longest pause between a waiting run's own looks once the queue looks itself.</summary>
    private static readonly TimeSpan MaxFallbackRecheck = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The patch after which a waiting run's own look joins the queue again instead of searching every host: with 2,000
    /// runs waiting, hundreds of own looks fell while slots freed and took them from the runs the queue had woken (887
    /// lost claims). Joining again starts a queue that is gone and puts back a run it lost; the queue's look does the rest.
    /// </summary>
    private const string OwnLookJoinsPatch = "own-look-joins-the-queue";

    private readonly HashSet<string> _fixedSlotBackends = new(StringComparer.Ordinal);
    private readonly Queue<InstanceOffer?> _wakes = new();
    private readonly List<Task> _signalsInFlight = [];
    private bool _queued;
    private bool _lookEverywhere;
    private bool _rejoin;
    private TimeSpan? _recheck;
    private TimeSpan? _ownLookAfter;

    /// <summary>
    /// A slot freed (on the machine of <paramref name="freed"/>, when known) and this run is first in line for it: it tries
    /// at once. Each wake stands for one freed slot; one the run does not use goes back to the queue for the next in line.
    /// </summary>
    [WorkflowSignal(WakeSignal)]
    public Task WakeAsync(InstanceOffer? freed = null)
    {
        _wakes.Enqueue(freed);
        return Task.CompletedTask;
    }

    private static string QueueId => CapacityQueueWorkflow.IdFor(Workflow.Info.TaskQueue);

    /// <summary>What the run asks for, as the queue keeps its lines: runs asking the same are served in order.</summary>
    private static string Shape(RunSpec spec)
    {
        var resources = spec.Resources.Summary.Length > 0 ? spec.Resources.Summary : "any machine";
        return spec.Backends.Count > 0 ? $"{resources} on {string.Join(", ", spec.Backends)}" : resources;
    }

    /// <summary>
    /// Joins the queue, or tells it the run is still waiting (woken, it lost the slot to another) and keeps its place. A
    /// join that keeps failing is not the run's failure: it waits all the same and looks again at its recheck.
    /// </summary>
    private async Task JoinQueueAsync(RunSpec spec)
    {
        var run = new QueuedRun(Workflow.Info.WorkflowId, Shape(spec), Workflow.UtcNow);
        try
        {
            await Workflow.ExecuteActivityAsync(() => CapacityQueueActivities.JoinQueueAsync(run), Step(ShortActivity));
        }
        catch (ActivityFailureException e)
        {
            Note($"could not join the capacity queue: {e.InnerException?.Message ?? e.Message}");
        }

        if (!_queued)
        {
            _queued = true;
            await SetStatusAsync(RunStatus.Pending);
        }
    }

    /// <summary>Takes the run out of the queue, when it is in it: it got a slot, or it stopped waiting.</summary>
    private async Task LeaveQueueAsync()
    {
        if (!_queued)
        {
            return;
        }

        _queued = false;
        var leaving = SignalQueueAsync(CapacityQueueWorkflow.LeaveSignal, [Workflow.Info.WorkflowId]);

        // Waiting for the signal to be delivered costs a workflow task, between the slot taken and the job prepared; the
        // queue wakes nobody for a slot the run holds, so nothing depends on the order. Awaited before the run ends.
        if (Workflow.Patched(LeaveWithoutWaitingPatch))
        {
            _signalsInFlight.Add(leaving);
            return;
        }

        await leaving;
    }

    /// <summary>Waits for the signals sent without waiting: a workflow that closes with a signal still to send may lose it.</summary>
    private async Task SettleSignalsAsync()
    {
        if (_signalsInFlight.Count > 0)
        {
            await Workflow.WhenAllAsync(_signalsInFlight);
            _signalsInFlight.Clear();
        }
    }

    /// <summary>
    /// Tells the queue a slot was given back, with the machine's offer, when the machine has fixed slots; and gives back
    /// the wakes that came while the run held its slot (sent before the queue saw it leave).
    /// </summary>
    private async Task SignalFreedAsync(Instance instance)
    {
        if (_fixedSlotBackends.Contains(instance.Backend) && Workflow.Patched(CapacityQueuePatch))
        {
            await SignalQueueAsync(CapacityQueueWorkflow.FreedSignal, [instance.Offer]);
            await HandBackWakesAsync();
        }
    }

    /// <summary>
    /// Between two rounds in the queue. Returns the offers the next round tries without searching (the freed machine's,
    /// when a wake came for a machine that fits the run), or null for a search of every host. In order: a run not in the
    /// queue joins and searches once more (a slot freed just before it joined woke nobody); a run whose claim of a freed
    /// slot failed (another run took it) searches every host; a run with no wake to use waits for one, after saying again
    /// that it waits when it was woken since it joined (which keeps its place and makes it wakeable again). When its own
    /// look is due, it joins again and waits on (<see cref="OwnLookJoinsPatch"/>; before it, it searched every host).
    /// </summary>
    private async Task<FindOffersResult?> QueueRoundAsync(RunSpec spec, TimeSpan left)
    {
        if (!_queued)
        {
            await JoinQueueAsync(spec);
            return null;
        }

        if (_lookEverywhere)
        {
            _lookEverywhere = false;
            return null;
        }

        if (_wakes.Count == 0)
        {
            // Not while a wake waits to be used: joining again would make the queue wake this run a second time for the
            // next slot, one wake would be lost with it, and that slot would stay free until someone's recheck.
            if (_rejoin)
            {
                await JoinQueueAsync(spec);
                _rejoin = false;
            }

            await WaitInQueueAsync(left);
            while (OwnLookDue && Workflow.Patched(OwnLookJoinsPatch))
            {
                await JoinQueueAsync(spec);
                await WaitInQueueAsync(_search.RetryDeadline - Workflow.UtcNow);
            }
        }

        if (!_wakes.TryDequeue(out var freed))
        {
            return null;
        }

        // The queue marked the run woken: unless this wake gets it a slot, it must say again that it waits.
        _rejoin = true;
        if (freed is null || !Fits(spec, freed))
        {
            return null;
        }

        _lookEverywhere = true;
        return new FindOffersResult([freed], [], 0, false, [freed.Backend]);
    }

    /// <summary>Whether the run's wait ended at its own look: no wake, no stop, time left, no continue-as-new due.</summary>
    private bool OwnLookDue =>
        _wakes.Count == 0 && !StopWanted && !_abortRequested && !ShouldContinueAsNew && _search.RetryDeadline > Workflow.UtcNow;

    /// <summary>Gives the queue back the wakes the run did not use (it got a slot another way, or stopped waiting): one freed slot each.</summary>
    private async Task HandBackWakesAsync()
    {
        while (_wakes.TryDequeue(out var freed))
        {
            await SignalQueueAsync(CapacityQueueWorkflow.FreedSignal, [freed]);
        }
    }

    /// <summary>Whether the run may take a slot on the machine of <paramref name="offer"/>, as the search would have found it.</summary>
    private static bool Fits(RunSpec spec, InstanceOffer offer) =>
        (spec.Backends.Count == 0 || spec.Backends.Contains(offer.Backend, StringComparer.Ordinal))
        && spec.SpotPolicy != SpotPolicy.Spot
        && (spec.MaxPrice is not { } max || offer.PricePerHour is { } price && price <= max)
        && ResourceMatcher.Unmet(spec.Resources, offer.Resources, checkMaximums: false).Count == 0;

    /// <summary>
    /// Waits until the queue wakes the run, it is stopped, its own next look is due (<see cref="FallbackRecheck"/> or the
    /// input's <c>OwnLookAfter</c> after it was last woken, doubling up to <see cref="MaxFallbackRecheck"/> while it is not
    /// woken; a minute and five before the queue looked itself) or <paramref name="left"/> runs out.
    /// </summary>
    private async Task WaitInQueueAsync(TimeSpan left)
    {
        Note("waiting in the capacity queue");
        var (first, longest) = Workflow.Patched(CapacityQueueWorkflow.QueueLooksPatch) ? (_ownLookAfter ?? FallbackRecheck, MaxFallbackRecheck) : (QueueRecheck, MaxQueueRecheck);
        var pause = Workflow.Patched(RecheckBackoffPatch) ? _recheck ?? first : QueueRecheck;
        var woken = await Workflow.WaitConditionAsync(() => _wakes.Count > 0 || StopWanted || _abortRequested, pause < left ? pause : left, StepToken);
        _recheck = woken ? first : pause * 2 < longest ? pause * 2 : longest;
    }

    /// <summary>Signals the queue even while the run is being cancelled; a queue that is not running has nobody waiting.</summary>
    private static async Task SignalQueueAsync(string signal, object?[] args)
    {
        using var detached = new CancellationTokenSource();
        try
        {
            await Workflow.GetExternalWorkflowHandle(QueueId).SignalAsync(signal, args, new ExternalWorkflowSignalOptions { CancellationToken = detached.Token });
        }
        catch (FailureException)
        {
            // No queue is running: nobody waits for a slot.
        }
    }

    /// <summary>Remembers which backends have fixed slots, from each search (a continued run searches before it holds a machine).</summary>
    private void NoteFixedSlots(FindOffersResult found)
    {
        foreach (var backend in found.FixedSlotBackends ?? [])
        {
            _fixedSlotBackends.Add(backend);
        }
    }
}
