using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Dstack.Workflows.Queue;

/// <summary>
/// The capacity queue of one task queue (docs/architecture.md#the-capacity-queue): runs that found every slot of the
/// machines dstack has (SSH hosts' <c>blocks</c>) taken wait here, in the order they came, per resource shape. A run that
/// releases such a slot signals <c>freed</c>; the queue then wakes the first waiting run of each shape, which tries again
/// at once and leaves the queue when it got a slot (or joins again, keeping its place, when another took it).
/// </summary>
/// <remarks>
/// The queue holds order, not slots: the slots themselves are the hosts' claim folders, taken by atomic <c>mkdir</c>, so
/// no crash of the server, the worker or the queue can book one twice, and one freed while nobody was told is found by
/// the waiting runs' own check every <see cref="RunWorkflow"/> minute. A woken run whose workflow is gone (terminated)
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

    /// <summary>The signal a run sends when it gave a slot back.</summary>
    public const string FreedSignal = "freed";

    /// <summary>The query that lists the waiting runs in order.</summary>
    public const string WaitingQuery = "waiting";

    private static readonly TimeSpan IdleLifetime = TimeSpan.FromMinutes(1);

    private readonly List<QueuedRun> _waiting = [];
    private int _freed;

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
        _waiting.AddRange(input.Waiting);
        _freed = input.Freed;
        while (true)
        {
            if (_waiting.Count == 0)
            {
                _freed = 0;
                if (!await Workflow.WaitConditionAsync(() => _waiting.Count > 0 || Workflow.ContinueAsNewSuggested, IdleLifetime) && _waiting.Count == 0)
                {
                    return;
                }
            }
            else
            {
                await Workflow.WaitConditionAsync(() => _freed > 0 || _waiting.Count == 0 || Workflow.ContinueAsNewSuggested);
            }

            if (_freed > 0)
            {
                await WakeAsync();
            }

            if (Workflow.ContinueAsNewSuggested)
            {
                await Workflow.WaitConditionAsync(() => Workflow.AllHandlersFinished);
                var carried = new CapacityQueueInput(_waiting.ToList(), _freed);
                throw Workflow.CreateContinueAsNewException((CapacityQueueWorkflow wf) => wf.RunAsync(carried));
            }
        }
    }

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

    /// <summary>Counts a slot given back.</summary>
    [WorkflowSignal(FreedSignal)]
    public Task FreedAsync()
    {
        _freed++;
        return Task.CompletedTask;
    }

    /// <summary>
    /// For each slot freed, wakes the first run of each shape not woken yet: the queue cannot tell which shapes fit the
    /// freed slot, so each shape's first run tries, and those that lose join again in their place.
    /// </summary>
    private async Task WakeAsync()
    {
        var freed = _freed;
        _freed = 0;
        var woken = new List<string>();
        foreach (var shape in _waiting.Select(r => r.Shape).Distinct(StringComparer.Ordinal).ToList())
        {
            foreach (var run in _waiting.Where(r => r.Shape == shape && !r.Woken).Take(freed).ToList())
            {
                _waiting[_waiting.IndexOf(run)] = run with { Woken = true };
                woken.Add(run.RunId);
            }
        }

        await Workflow.WhenAllAsync(woken.Select(SignalWakeAsync));
    }

    private async Task SignalWakeAsync(string runId)
    {
        try
        {
            await Workflow.GetExternalWorkflowHandle(runId).SignalAsync(RunWorkflow.WakeSignal, []);
        }
        catch (FailureException)
        {
            // The run's workflow is gone (terminated, or ended without leaving): nothing waits under that ID any more.
            _waiting.RemoveAll(r => r.RunId == runId);
        }
    }
}
