using Dstack.Core.Instances;
using Dstack.Core.Runs;

namespace Dstack.Core.Backends;

/// <summary>Where jobs run: this machine, SSH hosts, or a cloud. Every member is idempotent.</summary>
public interface IBackend
{
    /// <summary>Gets the backend's name as users write it in <c>backends:</c> (<c>local</c>, <c>ssh</c>, <c>aws</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Gets a value indicating whether the backend's machines have a fixed number of slots that runs take and give back (an
    /// SSH host's <c>blocks</c>): a run that finds them all taken waits in the capacity queue for the next one to free.
    /// </summary>
    bool HasFixedSlots => false;

    /// <summary>Lists the offers that satisfy <paramref name="request"/>.</summary>
    Task<OfferSearch> GetOffersAsync(ResourceRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Provisions a machine for the request's offer; again with the same client token, returns the same machine instead of a
    /// second one. Throws <see cref="NoCapacityException"/> when the backend has no capacity for the offer now.
    /// </summary>
    Task<Instance> ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Releases the machine; releasing one that is already gone succeeds.</summary>
    Task ReleaseAsync(Instance instance, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets how long a machine of this backend that runs a job may stay unreachable before the run fails with
    /// <c>instance-unreachable</c>, or null for the worker's default.
    /// </summary>
    TimeSpan? UnreachableGracePeriod => null;

    /// <summary>Opens a shell on the machine.</summary>
    Task<IInstanceShell> ConnectAsync(Instance instance, CancellationToken cancellationToken = default);
}
