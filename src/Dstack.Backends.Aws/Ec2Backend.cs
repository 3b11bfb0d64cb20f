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
using Instance = Dstack.Core.Backends.Instance;
using GpuInfo = Dstack.Core.Backends.GpuInfo;

namespace Dstack.Backends.Aws;

/// <summary>
/// EC2 as a backend. Offers are the catalog's instance types that fit, in each allowed region, on-demand (the catalog's
/// price) and spot (the live price). Provisioning imports dstack's key pair and a security group that lets SSH in only from
/// this worker's address, picks the newest Ubuntu image (the Deep Learning GPU image for GPU types), launches with a
/// client token (a retried call never makes a second instance) and dstack's tags, waits until it runs and answers SSH.
/// Jobs then run through the ssh backend's shell, and ports are forwarded through its SSH forward.
/// </summary>
internal sealed class Ec2Backend : ICloudBackend, IPortForwarding, IDisposable
{
    /// <summary>The backend's name.</summary>
    public const string AwsName = "aws";
    public const string RunTag = "dstack:run";
    public const string OwnerTag = "dstack:owner";
    private const string UbuntuOwner = "099720109477";
    private const string UbuntuImages = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";
    private const string GpuImages = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 24.04) *";

    private readonly AwsBackendOptions _options;
    private readonly Func<Ec2Catalog> _catalog;
    private readonly Func<string, IAmazonEC2> _clientFactory;
    private readonly ConcurrentDictionary<string, IAmazonEC2> _clients = new(StringComparer.Ordinal);
    private readonly SshShellFactory _shells;
    private readonly SpotPriceCache _spotPrices;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Task<string>> _setUp = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _addresses = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private string? _publicKey;
    private string? _workerCidr;

    public Ec2Backend(AwsBackendOptions options, Ec2Catalog catalog, Func<string, IAmazonEC2> clientFactory, TimeProvider time)
        : this(options, () => catalog, clientFactory, time)
    {
    }

    /// <summary>Creates the backend with the catalog <paramref name="catalog"/> gives at each offer search.</summary>
    public Ec2Backend(AwsBackendOptions options, Func<Ec2Catalog> catalog, Func<string, IAmazonEC2> clientFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _catalog = catalog;
        _clientFactory = clientFactory;
        _time = time;
        _spotPrices = new SpotPriceCache(options, time);
        _shells = new SshShellFactory(new SshBackendOptions(Path.Combine(options.DstackHome, "aws"), []) { ConnectAttempts = 1 });
    }

    /// <inheritdoc />
    public string Name => AwsName;

    /// <inheritdoc />
    public async Task<OfferSearch> GetOffersAsync(ResourceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var catalog = _catalog();
        var fitting = new List<(Ec2InstanceType Type, MachineResources Machine)>();
        foreach (var type in catalog.Types)
        {
            var machine = Resources(type);
            if (ResourceMatcher.Unmet(request, machine).Count == 0)
            {
                fitting.Add((type, machine));
            }
        }

        if (fitting.Count == 0)
        {
            return new OfferSearch([], [$"aws: no instance type of the catalog ({catalog.Types.Count} types) has {request.Summary}"]);
        }

        var offers = new List<InstanceOffer>();
        var rejections = new List<string>();
        var regions = await Task.WhenAll(_options.Regions.Select(async region =>
        {
            try
            {
                return (region, Prices: await _spotPrices.GetAsync(Client(region), region, [.. catalog.Types.Select(t => t.Name)], cancellationToken).ConfigureAwait(false), Error: (string?)null);
            }
            catch (Exception e) when (IsUnreachable(e, cancellationToken))
            {
                // The on-demand offers need nothing from the API (their prices are the catalog's): an API that refuses or
                // cannot be reached costs the region its spot offers, not the whole answer.
                return (region, Prices: (IReadOnlyDictionary<string, decimal>?)null, Error: $"aws: {region}: cannot read spot prices ({Reason(e)}), so its spot offers are left out");
            }
        })).ConfigureAwait(false);
        foreach (var (region, prices, error) in regions)
        {
            if (error is not null)
            {
                rejections.Add(error);
            }

            foreach (var (type, machine) in fitting)
            {
                var onDemand = type.OnDemandPrices.TryGetValue(region, out var price) ? price : (decimal?)null;
                offers.Add(new InstanceOffer(AwsName, region, type.Name, machine, onDemand, Spot: false, onDemand is null ? "price-unknown" : "available"));
                if (prices is not null && prices.TryGetValue(type.Name, out var spot))
                {
                    offers.Add(new InstanceOffer(AwsName, region, type.Name, machine, spot, Spot: true, "available"));
                }
            }
        }

        return new OfferSearch(offers, rejections);
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says that the EC2 API refused the call (<see cref="AmazonServiceException"/>:
    /// credentials, permissions, throttling) or could not be reached (no credentials found, DNS, a refused or dropped
    /// connection, a timeout), as opposed to the caller cancelling or a bug.
    /// </summary>
    private static bool IsUnreachable(Exception exception, CancellationToken cancellationToken) =>
        exception is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Why the call failed, on one line: it becomes a note among the offers.</summary>
    private static string Reason(Exception exception)
    {
        var reason = exception switch
        {
            AmazonServiceException { ErrorCode: { Length: > 0 } code } service => $"{code}: {service.Message}",
            OperationCanceledException => "the EC2 API did not answer in time",

            // The SDK lists every credential provider it tried, one per line; what to do is shorter.
            AmazonClientException when exception.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal) =>
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the backend's profile",
            _ => exception.InnerException is { } inner && !exception.Message.Contains(inner.Message, StringComparison.Ordinal)
                ? $"{exception.Message} {inner.Message}"
                : exception.Message,
        };
        return string.Join(' ', reason.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <inheritdoc />
    public Task<Instance> ProvisionAsync(InstanceOffer offer, string clientToken, CancellationToken cancellationToken = default) =>
        ProvisionAsync(offer, clientToken, clientToken, cancellationToken);

    /// <inheritdoc />
    public async Task<Instance> ProvisionAsync(InstanceOffer offer, string clientToken, string runName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentException.ThrowIfNullOrEmpty(clientToken);
        if (offer.Backend != AwsName)
        {
            throw new ArgumentException($"The offer belongs to the '{offer.Backend}' backend, not to 'aws'.", nameof(offer));
        }

        var ec2 = Client(offer.Region);
        string instanceId;
        try
        {
            var (keyName, groupId) = await SetUpRegionAsync(offer.Region, cancellationToken).ConfigureAwait(false);
            var image = await FindImageAsync(ec2, offer, cancellationToken).ConfigureAwait(false);
            var tags = new List<Tag> { new(RunTag, runName), new(OwnerTag, _options.Owner), new("Name", $"dstack-{runName}") };
            var request = new RunInstancesRequest
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
                request.InstanceMarketOptions = new InstanceMarketOptionsRequest
                {
                    MarketType = MarketType.Spot,
                    SpotOptions = new SpotMarketOptions { SpotInstanceType = SpotInstanceType.OneTime, InstanceInterruptionBehavior = InstanceInterruptionBehavior.Terminate },
                };
            }

            var response = await ec2.RunInstancesAsync(request, cancellationToken).ConfigureAwait(false);
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
            await Client(instance.Offer.Region).TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instance.InstanceId] }, cancellationToken).ConfigureAwait(false);
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
        var found = await DescribeAsync(Client(offer.Region), [new Filter("client-token", [clientToken])], cancellationToken).ConfigureAwait(false);
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
    public async Task<InterruptionNotice?> CheckInterruptionAsync(Instance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!instance.Offer.Spot)
        {
            return null;
        }

        // The instance's own metadata service gives the notice first (two minutes ahead on EC2); the API tells the rest.
        if (await CheckMetadataAsync(instance, cancellationToken).ConfigureAwait(false) is { } notice)
        {
            return notice;
        }

        var ec2 = Client(instance.Offer.Region);
        var described = (await DescribeAsync(ec2, [new Filter("instance-id", [instance.InstanceId])], cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        if (described is null)
        {
            return new InterruptionNotice("api", $"{instance.InstanceId} no longer exists", null);
        }

        if (described.StateReason?.Code == Ec2ErrorCodes.SpotTermination)
        {
            return new InterruptionNotice("api", $"{instance.InstanceId} is {described.State.Name.Value}: {described.StateReason.Message}", null);
        }

        if (described.SpotInstanceRequestId is { Length: > 0 } requestId)
        {
            var requests = await ec2.DescribeSpotInstanceRequestsAsync(new DescribeSpotInstanceRequestsRequest { SpotInstanceRequestIds = [requestId] }, cancellationToken).ConfigureAwait(false);
            var status = requests.SpotInstanceRequests?.SingleOrDefault()?.Status;
            if (status?.Code is "marked-for-termination" or "marked-for-stop" or "instance-terminated-by-price" or "instance-terminated-no-capacity" or "instance-terminated-capacity-oversubscribed" or "instance-terminated-by-service")
            {
                return new InterruptionNotice("api", $"spot request {requestId}: {status.Code}: {status.Message}", null);
            }
        }

        return described.State.Name == InstanceStateName.ShuttingDown || described.State.Name == InstanceStateName.Terminated
            ? new InterruptionNotice("api", $"{instance.InstanceId} is {described.State.Name.Value}: {described.StateReason?.Message}", null)
            : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaggedMachine>> ListMachinesAsync(CancellationToken cancellationToken = default)
    {
        var all = await Task.WhenAll(_options.Regions.Select(async region =>
        {
            var found = await DescribeAsync(Client(region), [new Filter("tag-key", [RunTag]), new Filter($"tag:{OwnerTag}", [_options.Owner]), new Filter("instance-state-name", ["pending", "running", "stopping", "stopped"])], cancellationToken).ConfigureAwait(false);
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
            await Client(machine.Region).TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [machine.InstanceId] }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == Ec2ErrorCodes.InstanceNotFound)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        _shells.Dispose();
        _keyGate.Dispose();
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private static MachineResources Resources(Ec2InstanceType type) => new(
        type.Cpus,
        type.MemoryBytes,
        [.. Enumerable.Repeat(new GpuInfo(type.GpuName ?? string.Empty, type.GpuMemoryBytes), type.GpuCount)],
        100L * 1024 * 1024 * 1024);

    private static async Task<List<Amazon.EC2.Model.Instance>> DescribeAsync(IAmazonEC2 ec2, List<Filter> filters, CancellationToken cancellationToken)
    {
        var request = new DescribeInstancesRequest { Filters = filters };
        var found = new List<Amazon.EC2.Model.Instance>();
        do
        {
            var response = await ec2.DescribeInstancesAsync(request, cancellationToken).ConfigureAwait(false);
            found.AddRange((response.Reservations ?? []).SelectMany(r => r.Instances ?? []));
            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));
        return found;
    }

    private IAmazonEC2 Client(string region) => _clients.GetOrAdd(region, _clientFactory);

    private SshHostSettings Host(string address) => new(address, 22, _options.SshUser, _options.IdentityFile);

    private async Task<string> AddressAsync(Instance instance, CancellationToken cancellationToken)
    {
        if (_addresses.TryGetValue(instance.InstanceId, out var known))
        {
            return known;
        }

        var described = (await DescribeAsync(Client(instance.Offer.Region), [new Filter("instance-id", [instance.InstanceId])], cancellationToken).ConfigureAwait(false)).SingleOrDefault();
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
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (address is null)
            {
                var described = (await DescribeAsync(ec2, [new Filter("instance-id", [instance.InstanceId])], cancellationToken).ConfigureAwait(false)).SingleOrDefault();
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
                    await using var shell = await _shells.OpenAsync(Host(address), cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (DstackException e) when (e is InstanceUnreachableException || _time.GetUtcNow() < deadline)
                {
                    // sshd starts, and cloud-init installs the key, a little after the instance runs.
                    last = e.Message;
                }
            }

            if (_time.GetUtcNow() > deadline)
            {
                throw new NoCapacityException($"{instance.Offer.Region} {instance.Offer.InstanceType}: {instance.InstanceId} was not ready within {_options.BootTimeout.TotalMinutes:0} minutes ({last}).");
            }

            await Task.Delay(_options.BootPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<InterruptionNotice?> CheckMetadataAsync(Instance instance, CancellationToken cancellationToken)
    {
        try
        {
            await using var shell = await ConnectAsync(instance, cancellationToken).ConfigureAwait(false);
            var url = ShellQuoting.Quote(new Uri(_options.MetadataEndpoint, "/latest/meta-data/spot/instance-action").ToString());
            var api = ShellQuoting.Quote(new Uri(_options.MetadataEndpoint, "/latest/api/token").ToString());

            // IMDSv2 (a session token) where the instance requires it, IMDSv1 where the service has no token API.
            var result = await shell.RunAsync(
                $"""
                t=$(curl -sf -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' {api} 2>/dev/null || true)
                if [ -n "$t" ]; then curl -sf -m 2 -H "X-aws-ec2-metadata-token: $t" {url}; else curl -sf -m 2 {url}; fi
                exit 0
                """,
                cancellationToken).ConfigureAwait(false);
            var body = result.Stdout.Trim();
            if (body.Contains("\"action\"", StringComparison.Ordinal))
            {
                var time = System.Text.Json.JsonDocument.Parse(body).RootElement.TryGetProperty("time", out var t)
                    && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
                return new InterruptionNotice("metadata", $"spot/instance-action: {body}", time);
            }
        }
        catch (DstackException)
        {
            // An instance that does not answer is the API's to explain.
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a notice.
        }

        return null;
    }

    /// <summary>Makes dstack's key pair and SSH security group in the region once per worker (idempotent on EC2's side too).</summary>
    private async Task<(string KeyName, string GroupId)> SetUpRegionAsync(string region, CancellationToken cancellationToken)
    {
        var ec2 = Client(region);
        var keyName = await EnsureKeyPairAsync(ec2, cancellationToken).ConfigureAwait(false);
        var group = _setUp.GetOrAdd(region, _ => EnsureSecurityGroupAsync(ec2, CancellationToken.None));
        try
        {
            return (keyName, await group.WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (AmazonEC2Exception)
        {
            _setUp.TryRemove(region, out _);
            throw;
        }
    }

    private async Task<string> EnsureKeyPairAsync(IAmazonEC2 ec2, CancellationToken cancellationToken)
    {
        await _keyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _publicKey ??= SshKeys.EnsureKeyPair(_options.IdentityFile);
        }
        finally
        {
            _keyGate.Release();
        }

        // Named after the key itself, so that two installations never share (or fight over) a key pair name.
        var name = $"{_options.ResourceName}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(_publicKey.Split(' ')[1])))[..12]}";
        try
        {
            await ec2.DescribeKeyPairsAsync(new DescribeKeyPairsRequest { KeyNames = [name] }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == Ec2ErrorCodes.KeyPairNotFound)
        {
            try
            {
                await ec2.ImportKeyPairAsync(
                    new ImportKeyPairRequest
                    {
                        KeyName = name,
                        PublicKeyMaterial = Convert.ToBase64String(Encoding.ASCII.GetBytes(_publicKey)),
                        TagSpecifications = [new TagSpecification { ResourceType = ResourceType.KeyPair, Tags = [new Tag(OwnerTag, _options.Owner)] }],
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonEC2Exception duplicate) when (duplicate.ErrorCode == Ec2ErrorCodes.KeyPairDuplicate)
            {
                // Another worker imported it meanwhile.
            }
        }

        return name;
    }

    private async Task<string> EnsureSecurityGroupAsync(IAmazonEC2 ec2, CancellationToken cancellationToken)
    {
        _workerCidr ??= await WorkerCidrAsync(cancellationToken).ConfigureAwait(false);
        string groupId;
        try
        {
            var created = await ec2.CreateSecurityGroupAsync(
                new CreateSecurityGroupRequest
                {
                    GroupName = _options.ResourceName,
                    Description = "dstack: SSH from dstack workers only",
                    TagSpecifications = [new TagSpecification { ResourceType = ResourceType.SecurityGroup, Tags = [new Tag(OwnerTag, _options.Owner)] }],
                },
                cancellationToken).ConfigureAwait(false);
            groupId = created.GroupId;
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == Ec2ErrorCodes.GroupDuplicate)
        {
            var found = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("group-name", [_options.ResourceName])] }, cancellationToken).ConfigureAwait(false);
            groupId = found.SecurityGroups.Single().GroupId;
        }

        try
        {
            await ec2.AuthorizeSecurityGroupIngressAsync(
                new AuthorizeSecurityGroupIngressRequest
                {
                    GroupId = groupId,
                    IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 22, ToPort = 22, Ipv4Ranges = [new IpRange { CidrIp = _workerCidr, Description = "dstack worker" }] }],
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == Ec2ErrorCodes.PermissionDuplicate)
        {
            // This worker's address is already let in.
        }

        return groupId;
    }

    private async Task<string> WorkerCidrAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = (await http.GetStringAsync(_options.CheckIpUrl, cancellationToken).ConfigureAwait(false)).Trim();
        return System.Net.IPAddress.TryParse(text, out var address)
            ? $"{address}/32"
            : throw new InvalidOperationException($"{_options.CheckIpUrl} answered '{text}', not an address: cannot limit SSH to this worker.");
    }

    private static async Task<string> FindImageAsync(IAmazonEC2 ec2, InstanceOffer offer, CancellationToken cancellationToken)
    {
        var gpu = offer.Resources.Gpus.Count > 0;
        var request = new DescribeImagesRequest
        {
            Owners = [gpu ? "amazon" : UbuntuOwner],
            Filters = [new Filter("name", [gpu ? GpuImages : UbuntuImages]), new Filter("state", ["available"]), new Filter("architecture", ["x86_64"])],
        };
        var images = await ec2.DescribeImagesAsync(request, cancellationToken).ConfigureAwait(false);
        return (images.Images ?? []).OrderByDescending(i => i.CreationDate, StringComparer.Ordinal).FirstOrDefault()?.ImageId
            ?? throw new NoCapacityException($"{offer.Region}: no {(gpu ? "GPU (Deep Learning) " : string.Empty)}Ubuntu 24.04 image found.");
    }
}
