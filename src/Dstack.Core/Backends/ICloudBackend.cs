namespace Dstack.Core.Backends;

/// <summary>
/// A backend that creates machines on demand (a cloud): it tags what it makes with the run, can find and remove a machine
/// from the client token alone (a provisioning cut short), reports interruptions, and lists what it made.
/// </summary>
public interface ICloudBackend : IBackend
{
    /// <summary>Releases whatever a provisioning with <paramref name="clientToken"/> made, if anything (idempotent).</summary>
    Task ReleaseByClientTokenAsync(InstanceOffer offer, string clientToken, CancellationToken cancellationToken = default);

    /// <summary>Returns the notice when the cloud is taking the machine back (a spot interruption), else null.</summary>
    Task<InterruptionNotice?> CheckInterruptionAsync(Instance instance, CancellationToken cancellationToken = default);

    /// <summary>Lists the live machines this backend made (tagged by dstack), in every allowed region.</summary>
    Task<IReadOnlyList<TaggedMachine>> ListMachinesAsync(CancellationToken cancellationToken = default);

    /// <summary>Terminates a machine found by <see cref="ListMachinesAsync"/> (a leaked one).</summary>
    Task TerminateAsync(TaggedMachine machine, CancellationToken cancellationToken = default);
}
