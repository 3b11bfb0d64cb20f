using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Dstack.Backends.Aws.Catalog;
using Dstack.Backends.Ssh;
using Dstack.Core;
using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Dstack.Core.Runs;
using Dstack.Core.Settings;
using Polly;
using Polly.Retry;
using Instance = Dstack.Core.Backends.Instance;
using GpuInfo = Dstack.Core.Backends.GpuInfo;

namespace Dstack.Backends.Aws;

/// <summary>
/// EC2 as a backend. Offers come from <see cref="Ec2Offers"/>; provisioning sets the region up (<see cref="Ec2RegionSetup"/>),
/// launches with a client token (a retried call never makes a second instance) and dstack's tags, and waits until the
/// instance runs and answers SSH. Jobs then run through the ssh backend's shell, and ports are forwarded through its SSH
/// forward; <see cref="Ec2InterruptionCheck"/> tells when a spot instance is taken back.
/// </summary>
internal sealed class Ec2Backend : ICloudBackend, IPortForwarding, IDisposable
{
    /// <summary>The backend's name.</summary>
    public const string AwsName = "aws";
    public const string RunTag = "dstack:run";
    public const string OwnerTag = "dstack:owner";

    private readonly AwsBackendOptions _options;
    private readonly Ec2Clients _clients;
    private readonly Ec2Offers _offers;
    private readonly Ec2RegionSetup _regions;
    private readonly Ec2InterruptionCheck _interruptions;
    private readonly SshShellFactory _shells;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, string> _addresses = new(StringComparer.Ordinal);

    /// <summary>Creates the backend; it owns <paramref name="shells"/> (through which jobs run on its instances) and disposes it.</summary>
    /// <param name="options">The regions, credentials profile and timings.</param>
    /// <param name="catalog">Gives the catalog at each offer search (it may be refreshed meanwhile).</param>
    /// <param name="clientFactory">Makes the EC2 client of a region.</param>
    /// <param name="shells">Opens shells and forwards ports on the instances, over SSH.</param>
    /// <param name="time">The clock of boot deadlines and price caches.</param>
    public Ec2Backend(AwsBackendOptions options, Func<Ec2Catalog> catalog, Func<string, IAmazonEC2> clientFactory, SshShellFactory shells, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _clients = new Ec2Clients(clientFactory);
        _offers = new Ec2Offers(options, catalog, _clients, time);
        _regions = new Ec2RegionSetup(options, _clients);
        _interruptions = new Ec2InterruptionCheck(options, _clients, ConnectAsync);
        _shells = shells;
        _time = time;
    }

    /// <inheritdoc />
    public string Name => AwsName;

    /// <inheritdoc />
    public Task<OfferSearch> GetOffersAsync(ResourceRequest request, CancellationToken cancellationToken = default) => _offers.GetOffersAsync(request, cancellationToken);

    /// <inheritdoc />
    public async Task<Instance> ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (offer, clientToken, runName) = request;
        ArgumentException.ThrowIfNullOrEmpty(clientToken, nameof(request));
        if (offer.Backend != AwsName)
        {
            throw new ArgumentException($"The offer belongs to the '{offer.Backend}' backend, not to '{AwsName}'.", nameof(request));
        }

        var ec2 = _clients.For(offer.Region);
        string instanceId;
        try
        {
            var (keyName, groupId) = await _regions.SetUpAsync(offer.Region, cancellationToken).ConfigureAwait(false);
            var image = await Ec2RegionSetup.FindImageAsync(ec2, offer, cancellationToken).ConfigureAwait(false);
            var tags = new List<Tag> { new(RunTag, runName), new(OwnerTag, _options.Owner), new("Name", $"dstack-{runName}") };
            var launch = new RunInstancesRequest
            {
                ImageId = image,
                InstanceType = offer.InstanceType,
                MinCount = 1,
                MaxCount = 1,
                KeyName = keyName,
                SecurityGroupIds = [groupId],
                ClientToken = clientToken,
                TagSpecifications =
                [
                    new TagSpecification { ResourceType = ResourceType.Instance, Tags = tags },
                    new TagSpecification { ResourceType = ResourceType.Volume, Tags = tags },
                ],
                BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/sda1", Ebs = new EbsBlockDevice { VolumeSize = _options.RootVolumeGiB, VolumeType = VolumeType.Gp3, DeleteOnTermination = true } }],
            };
            if (offer.Spot)
            {
                launch.InstanceMarketOptions = new InstanceMarketOptionsRequest
                {
                    MarketType = MarketType.Spot,
                    SpotOptions = new SpotMarketOptions { SpotInstanceType = SpotInstanceType.OneTime, InstanceInterruptionBehavior = InstanceInterruptionBehavior.Terminate },
                };
            }

            var response = await ec2.RunInstancesAsync(launch, cancellationToken).ConfigureAwait(false);
            instanceId = response.Reservation.Instances.Single().InstanceId;
        }
        catch (AmazonEC2Exception e) when (Ec2ErrorCodes.NoCapacity.Contains(e.ErrorCode))
        {
            throw new NoCapacityException($"{offer.Region} {offer.InstanceType}{(offer.Spot ? " spot" : string.Empty)}: {e.ErrorCode}: {e.Message}", e);
        }

        var instance = new Instance(AwsName, instanceId, offer);
        try
        {
            await WaitUntilReadyAsync(ec2, instance, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // An instance that never became usable is not left behind, whatever went wrong (cancellation included).
            await ReleaseAsync(instance, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return instance;
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(Instance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        try
        {
            await _clients.For(instance.Offer.Region).TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instance.InstanceId] }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == Ec2ErrorCodes.InstanceNotFound)
        {
            // Already gone.
        }

        if (_addresses.TryRemove(instance.InstanceId, out var address))
        {
            _shells.Forget(Host(address));
        }
    }

    /// <inheritdoc />
    public async Task ReleaseByClientTokenAsync(InstanceOffer offer, string clientToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var found = await _clients.DescribeAsync(offer.Region, [new Filter("client-token", [clientToken])], cancellationToken).ConfigureAwait(false);
        foreach (var instance in found.Where(i => i.State.Name != InstanceStateName.Terminated))
        {
            await ReleaseAsync(new Instance(AwsName, instance.InstanceId, offer), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<IInstanceShell> ConnectAsync(Instance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var address = await AddressAsync(instance, cancellationToken).ConfigureAwait(false);
        return await _shells.OpenAsync(Host(address), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>SSH local port forwarding to the instance's loopback, as the ssh backend does for its hosts.</remarks>
    public async Task<ForwardedPort> ForwardAsync(Instance instance, int remotePort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var address = await AddressAsync(instance, cancellationToken).ConfigureAwait(false);
        return await _shells.ForwardAsync(Host(address), remotePort, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<InterruptionNotice?> CheckInterruptionAsync(Instance instance, CancellationToken cancellationToken = default) =>
        _interruptions.CheckInterruptionAsync(instance, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaggedMachine>> ListMachinesAsync(CancellationToken cancellationToken = default)
    {
        var all = await Task.WhenAll(_options.Regions.Select(async region =>
        {
            var found = await _clients.DescribeAsync(region, [new Filter("tag-key", [RunTag]), new Filter($"tag:{OwnerTag}", [_options.Owner]), new Filter("instance-state-name", ["pending", "running", "stopping", "stopped"])], cancellationToken).ConfigureAwait(false);
            return found.Select(i => new TaggedMachine(
                AwsName,
                region,
                i.InstanceId,
                i.InstanceType.Value,
                i.Tags.FirstOrDefault(t => t.Key == RunTag)?.Value ?? string.Empty,
                i.Tags.FirstOrDefault(t => t.Key == OwnerTag)?.Value ?? string.Empty,
                i.State.Name.Value,
                i.LaunchTime is { } launched ? new DateTimeOffset(DateTime.SpecifyKind(launched, DateTimeKind.Utc)) : null));
        })).ConfigureAwait(false);
        return [.. all.SelectMany(r => r)];
    }

    /// <inheritdoc />
    public async Task TerminateAsync(TaggedMachine machine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(machine);
        try
        {
            await _clients.For(machine.Region).TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [machine.InstanceId] }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == Ec2ErrorCodes.InstanceNotFound)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        _shells.Dispose();
        _regions.Dispose();
        _clients.Dispose();
    }

    private SshHostSettings Host(string address) => new(address, 22, _options.SshUser, _options.IdentityFile);

    private async Task<string> AddressAsync(Instance instance, CancellationToken cancellationToken)
    {
        if (_addresses.TryGetValue(instance.InstanceId, out var known))
        {
            return known;
        }

        var described = (await _clients.DescribeAsync(instance.Offer.Region, [new Filter("instance-id", [instance.InstanceId])], cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        return described?.PublicIpAddress is { Length: > 0 } address
            ? _addresses[instance.InstanceId] = address
            : throw new InstanceUnreachableException(instance.InstanceId, $"{instance.InstanceId} ({instance.Offer.Region}) has no public address (state: {described?.State.Name.Value ?? "gone"}).");
    }

    /// <summary>Waits until the instance runs and answers SSH; an instance that ends instead is no capacity.</summary>
    private async Task WaitUntilReadyAsync(IAmazonEC2 ec2, Instance instance, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.BootTimeout;
        string? address = null;
        string last = "pending";

        // Each attempt says whether the instance is ready; one that is not is asked again, a poll interval later, until
        // the deadline. What an attempt throws (the instance ended, a host that refuses the key) ends the wait at once.
        var wait = new ResiliencePipelineBuilder<bool> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome is { Exception: null, Result: false } && _time.GetUtcNow() <= deadline),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                Delay = _options.BootPollInterval,
                UseJitter = false,
            })
            .Build();
        var ready = await wait.ExecuteAsync(
            async token =>
            {
                token.ThrowIfCancellationRequested();
                if (address is null)
                {
                    var described = (await Ec2Clients.DescribeAsync(ec2, [new Filter("instance-id", [instance.InstanceId])], token).ConfigureAwait(false)).SingleOrDefault();
                    var state = described?.State.Name;
                    if (state == InstanceStateName.Running && described!.PublicIpAddress is { Length: > 0 } ip)
                    {
                        address = ip;
                        _addresses[instance.InstanceId] = ip;

                        // A new machine at this address: its host key is pinned afresh.
                        _shells.Forget(Host(ip));
                    }
                    else if (state is null || state == InstanceStateName.ShuttingDown || state == InstanceStateName.Terminated)
                    {
                        throw new NoCapacityException($"{instance.Offer.Region} {instance.Offer.InstanceType}: {instance.InstanceId} ended while starting ({described?.StateReason?.Message ?? "gone"}).");
                    }
                }

                if (address is not null)
                {
                    try
                    {
                        await using var shell = await _shells.OpenAsync(Host(address), token).ConfigureAwait(false);
                        return true;
                    }
                    catch (DstackException e) when (e is InstanceUnreachableException || _time.GetUtcNow() < deadline)
                    {
                        // sshd starts, and cloud-init installs the key, a little after the instance runs.
                        last = e.Message;
                    }
                }

                return false;
            },
            cancellationToken).ConfigureAwait(false);
        if (!ready)
        {
            throw new NoCapacityException($"{instance.Offer.Region} {instance.Offer.InstanceType}: {instance.InstanceId} was not ready within {_options.BootTimeout.TotalMinutes:0} minutes ({last}).");
        }
    }

}
