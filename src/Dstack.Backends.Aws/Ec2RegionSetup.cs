using System.Collections.Concurrent;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Dstack.Backends.Ssh;
using Dstack.Core.Backends;

namespace Dstack.Backends.Aws;

/// <summary>
/// What a region needs before dstack launches there, made once per worker and idempotent on EC2's side too: dstack's key
/// pair (named after the key) and a security group that lets SSH in only from this worker's address; and the image.
/// </summary>
internal sealed class Ec2RegionSetup(AwsBackendOptions options, Ec2Clients clients) : IDisposable
{
    private const string UbuntuOwner = "099720109477";
    private const string UbuntuImages = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";
    private const string GpuImages = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 24.04) *";

    private readonly ConcurrentDictionary<string, Task<string>> _setUp = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private string? _publicKey;
    private string? _workerCidr;

    /// <summary>Makes dstack's key pair and SSH security group in the region once per worker (idempotent on EC2's side too).</summary>
    public async Task<(string KeyName, string GroupId)> SetUpAsync(string region, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(region);
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

    /// <summary>The newest Ubuntu 24.04 image (the Deep Learning GPU image for GPU types) in the offer's region.</summary>
    public static async Task<string> FindImageAsync(IAmazonEC2 ec2, InstanceOffer offer, CancellationToken cancellationToken)
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

    public void Dispose() => _keyGate.Dispose();

    private async Task<string> EnsureKeyPairAsync(IAmazonEC2 ec2, CancellationToken cancellationToken)
    {
        await _keyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _publicKey ??= SshKeys.EnsureKeyPair(options.IdentityFile);
        }
        finally
        {
            _keyGate.Release();
        }

        // Named after the key itself, so that two installations never share (or fight over) a key pair name.
        var name = $"{options.ResourceName}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(_publicKey.Split(' ')[1])))[..12]}";
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
                        TagSpecifications = [new TagSpecification { ResourceType = ResourceType.KeyPair, Tags = [new Tag(Ec2Backend.OwnerTag, options.Owner)] }],
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
                    GroupName = options.ResourceName,
                    Description = "dstack: SSH from dstack workers only",
                    TagSpecifications = [new TagSpecification { ResourceType = ResourceType.SecurityGroup, Tags = [new Tag(Ec2Backend.OwnerTag, options.Owner)] }],
                },
                cancellationToken).ConfigureAwait(false);
            groupId = created.GroupId;
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == Ec2ErrorCodes.GroupDuplicate)
        {
            var found = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("group-name", [options.ResourceName])] }, cancellationToken).ConfigureAwait(false);
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
        var text = (await http.GetStringAsync(options.CheckIpUrl, cancellationToken).ConfigureAwait(false)).Trim();
        return System.Net.IPAddress.TryParse(text, out var address)
            ? $"{address}/32"
            : throw new InvalidOperationException($"{options.CheckIpUrl} answered '{text}', not an address: cannot limit SSH to this worker.");
    }
}
