namespace Dstack.Workflows.Queue;

/// <summary>What the capacity queue starts with: nothing, or what its previous execution carried on (continue-as-new).</summary>
/// <param name="Waiting">The waiting runs, in order.</param>
/// <param name="Freed">Slots freed that no run has been told of yet.</param>
public sealed record CapacityQueueInput(IReadOnlyList<QueuedRun> Waiting, int Freed = 0)
{
    /// <summary>Gets an empty queue.</summary>
    public static CapacityQueueInput Empty { get; } = new([]);
}
