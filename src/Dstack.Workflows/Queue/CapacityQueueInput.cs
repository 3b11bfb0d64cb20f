using Dstack.Core.Backends;

namespace Dstack.Workflows.Queue;

/// <summary>What the capacity queue starts with: nothing, or what its previous execution carried on (continue-as-new).</summary>
/// <param name="Waiting">The waiting runs, in order.</param>
/// <param name="Freed">Slots freed that no run has been told of yet: the offer of the machine each was on, when known.</param>
/// <param name="LookEvery">How often the first waiting run of each shape is sent to look at every host (null: a minute).</param>
public sealed record CapacityQueueInput(IReadOnlyList<QueuedRun> Waiting, IReadOnlyList<InstanceOffer?> Freed, TimeSpan? LookEvery = null)
{
    /// <summary>Gets an empty queue.</summary>
    public static CapacityQueueInput Empty { get; } = new([], []);
}
