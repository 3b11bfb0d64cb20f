using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Dstack.Core.Runs;

namespace Dstack.Backends.Local;

/// <summary>
/// This machine as a backend: one free offer, when the machine has what the run asks for. Provisioning and releasing do
/// nothing, since the machine is always there.
/// </summary>
public sealed class LocalBackend : IBackend, IPortForwarding
{
    /// <summary>The backend's name, region and instance type.</summary>
    public const string LocalName = "local";

    private readonly LocalBackendOptions _options;
    private readonly MachineDetector _detector;

    /// <summary>Creates the backend.</summary>
    public LocalBackend(LocalBackendOptions options, MachineDetector detector)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(detector);
        _options = options;
        _detector = detector;
    }

    /// <inheritdoc />
    public string Name => LocalName;

    /// <inheritdoc />
    public async Task<OfferSearch> GetOffersAsync(ResourceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var machine = await _detector.DetectAsync(_options.DstackHome, cancellationToken).ConfigureAwait(false);

        // This machine exists already: having more than a maximum does not keep it from running the job.
        var unmet = ResourceMatcher.Unmet(request, machine, checkMaximums: false);
        if (unmet.Count > 0)
        {
            var asked = request.Summary.Length > 0 ? $" ({request.Summary})" : string.Empty;
            var config = Path.Combine(_options.DstackHome, "config.yml");
            return new OfferSearch(
                [],
                [$"local: this machine cannot run it{asked}: {string.Join("; ", unmet)}. This machine has {ResourceMatcher.Describe(machine)}. "
                    + $"Add a remote backend (ssh or aws) to {config} to run it elsewhere."]);
        }

        return new OfferSearch([new InstanceOffer(LocalName, LocalName, LocalName, machine, 0m, Spot: false, "available")], []);
    }

    /// <inheritdoc />
    public Task<Instance> ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var offer = request.Offer;
        if (offer.Backend != LocalName)
        {
            throw new ArgumentException($"The offer belongs to the '{offer.Backend}' backend, not to '{LocalName}'.", nameof(request));
        }

        return Task.FromResult(new Instance(LocalName, LocalName, offer));
    }

    /// <inheritdoc />
    public Task ReleaseAsync(Instance instance, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<IInstanceShell> ConnectAsync(Instance instance, CancellationToken cancellationToken = default) =>
        Task.FromResult<IInstanceShell>(new LocalShell(LocalShell.DirectoryFor(_options.DstackHome)));

    /// <inheritdoc />
    /// <remarks>The machine is this one: its ports are reachable as they are.</remarks>
    public Task<ForwardedPort> ForwardAsync(Instance instance, int remotePort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(remotePort);
        return Task.FromResult(new ForwardedPort(remotePort, remotePort, forward: null));
    }
}
