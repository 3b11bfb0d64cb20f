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

    /// <summary>
    /// How long a waiting run trusts the queue before looking at the hosts itself: a slot that frees other than by a run's
    /// release (a claim gone stale, a host that answers again) wakes nobody.
    /// </summary>
    private static readonly TimeSpan QueueRecheck = TimeSpan.FromMinutes(1);

    private readonly HashSet<string> _fixedSlotBackends = new(StringComparer.Ordinal);
    private bool _queued;
    private int _wakes;
    private int _wakesSeen;
    private InstanceOffer? _freedOffer;
    private bool _lookEverywhere;

    /// <summary>A slot freed (on the machine of <paramref name="freed"/>, when known) and this run is first in line for it: it tries at once.</summary>
    [WorkflowSignal(WakeSignal)]
    public Task WakeAsync(InstanceOffer? freed = null)
    {
        _wakes++;
        _freedOffer = freed ?? _freedOffer;
        return Task.CompletedTask;
    }

    private static string QueueId => CapacityQueueWorkflow.IdFor(Workflow.Info.TaskQueue);

    /// <summary>What the run asks for, as the queue keeps its lines: runs asking the same are served in order.</summary>
    private static string Shape(RunSpec spec)
    {
        var resources = spec.Resources.Summary.Length > 0 ? spec.Resources.Summary : "any machine";
        return spec.Backends.Count > 0 ? $"{resources} on {string.Join(", ", spec.Backends)}" : resources;
    }

    /// <summary>Joins the queue, or tells it the run is still waiting (woken, it lost the slot to another) and keeps its place.</summary>
    private async Task JoinQueueAsync(RunSpec spec)
    {
        var run = new QueuedRun(Workflow.Info.WorkflowId, Shape(spec), Workflow.UtcNow);
        await Workflow.ExecuteActivityAsync(() => CapacityQueueActivities.JoinQueueAsync(run), Step(ShortActivity));
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
        await SignalQueueAsync(CapacityQueueWorkflow.LeaveSignal, [Workflow.Info.WorkflowId]);
    }

    /// <summary>Tells the queue a slot was given back, with the machine's offer, when the machine has fixed slots.</summary>
    private async Task SignalFreedAsync(Instance instance)
    {
        if (_fixedSlotBackends.Contains(instance.Backend) && Workflow.Patched(CapacityQueuePatch))
        {
            await SignalQueueAsync(CapacityQueueWorkflow.FreedSignal, [instance.Offer]);
        }
    }

    /// <summary>
    /// Between two rounds in the queue: joins (again), then, unless the last round has to be followed by a look at every
    /// host, waits to be woken. Returns the offers the next round tries without searching: the freed machine's, when the
    /// run was woken for a slot on a machine that fits it; then a failed claim is followed by a search of every host.
    /// </summary>
    private async Task<FindOffersResult?> QueueRoundAsync(RunSpec spec, TimeSpan left)
    {
        var joined = _queued;
        await JoinQueueAsync(spec);
        if (joined && !_lookEverywhere)
        {
            await WaitInQueueAsync(left);
        }

        _lookEverywhere = false;
        if (_freedOffer is not { } freed || !Fits(spec, freed))
        {
            _freedOffer = null;
            return null;
        }

        _freedOffer = null;
        _lookEverywhere = true;
        return new FindOffersResult([freed], [], 0, false, [freed.Backend]);
    }

    /// <summary>Whether the run may take a slot on the machine of <paramref name="offer"/>, as the search would have found it.</summary>
    private static bool Fits(RunSpec spec, InstanceOffer offer) =>
        (spec.Backends.Count == 0 || spec.Backends.Contains(offer.Backend, StringComparer.Ordinal))
        && spec.SpotPolicy != SpotPolicy.Spot
        && (spec.MaxPrice is not { } max || offer.PricePerHour is { } price && price <= max)
        && ResourceMatcher.Unmet(spec.Resources, offer.Resources, checkMaximums: false).Count == 0;

    /// <summary>Waits until the queue wakes the run, it is stopped, the recheck is due or <paramref name="left"/> runs out.</summary>
    private async Task WaitInQueueAsync(TimeSpan left)
    {
        if (_wakes > _wakesSeen)
        {
            // Woken while it was looking: it looks again now.
            return;
        }

        Note("waiting in the capacity queue");
        await Workflow.WaitConditionAsync(() => _wakes > _wakesSeen || StopWanted || _abortRequested, QueueRecheck < left ? QueueRecheck : left, StepToken);
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
