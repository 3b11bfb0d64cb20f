using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace Dstack.Backends.Aws.Tests.Emulator;

/// <summary>The emulator driven by the real AWSSDK.EC2 client, as dstack drives it.</summary>
[Collection(Ec2CollectionDefinition.Name)]
public sealed class Ec2EmulatorTests(Ec2EmulatorFixture fixture)
{
    [Ec2Fact]
    public async Task RunInstances_SameClientToken_LaunchesOneInstanceThatAcceptsTheImportedKey()
    {
        using var ec2 = fixture.Client("us-west-2");
        var key = Path.Combine(fixture.Folder.FullName, "emulator-key-1");
        await Programs.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        var material = await File.ReadAllTextAsync(key + ".pub");
        await ec2.ImportKeyPairAsync(new ImportKeyPairRequest { KeyName = "k1", PublicKeyMaterial = Convert.ToBase64String(Encoding.UTF8.GetBytes(material)) });
        var group = await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "g1", Description = "test" });
        await ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = group.GroupId,
            IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 22, ToPort = 22, Ipv4Ranges = [new IpRange { CidrIp = "127.0.0.1/32" }] }],
        });
        var images = await ec2.DescribeImagesAsync(new DescribeImagesRequest
        {
            Owners = ["099720109477"],
            Filters = [new Filter("name", ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"])],
        });
        var request = new RunInstancesRequest
        {
            ImageId = images.Images.OrderByDescending(i => i.CreationDate).First().ImageId,
            InstanceType = InstanceType.T3Micro,
            MinCount = 1,
            MaxCount = 1,
            KeyName = "k1",
            SecurityGroupIds = [group.GroupId],
            ClientToken = "run-1-1",
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("dstack:run", "run-1")] }],
        };

        var first = await ec2.RunInstancesAsync(request);
        var second = await ec2.RunInstancesAsync(request);

        var id = first.Reservation.Instances.Single().InstanceId;
        Assert.Equal(id, second.Reservation.Instances.Single().InstanceId);
        var running = await WaitForStateAsync(fixture.Emulator, ec2, id, "running");
        var ssh = await Programs.RunAsync("ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            $"root@{running.PublicIpAddress}", $"curl -s http://{Ec2Emulator.MetadataAddress}/latest/meta-data/instance-id");
        Assert.Equal(id, ssh.Trim());
        var tagged = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { Filters = [new Filter("tag:dstack:run", ["run-1"]), new Filter("instance-state-name", ["pending", "running"])] });
        Assert.Equal(id, tagged.Reservations.SelectMany(r => r.Instances).Single().InstanceId);

        var terminated = await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [id] });

        Assert.Equal("shutting-down", terminated.TerminatingInstances.Single().CurrentState.Name.Value);
        await WaitForStateAsync(fixture.Emulator, ec2, id, "terminated");
        var bill = fixture.Emulator.Ledger.Single(e => e.InstanceId == id);
        Assert.False(bill.Live);
        Assert.Equal(0.0104m, bill.PricePerHour);
    }

    [Ec2Fact]
    public async Task RunInstances_NoCapacityInjected_FailsWithEc2ErrorCodes()
    {
        using var ec2 = fixture.Client("us-east-1");
        await Programs.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(fixture.Folder.FullName, "emulator-key-2"));
        await ec2.ImportKeyPairAsync(new ImportKeyPairRequest { KeyName = "k2", PublicKeyMaterial = await File.ReadAllTextAsync(Path.Combine(fixture.Folder.FullName, "emulator-key-2.pub")) });
        var image = (await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["099720109477"] })).Images[0].ImageId;
        fixture.Emulator.RemoveCapacity("us-east-1", "g5.xlarge", spot: true);
        fixture.Emulator.RemoveCapacity("us-east-1", "g4dn.xlarge", spot: false, "InstanceLimitExceeded");
        try
        {
            var spot = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.RunInstancesAsync(new RunInstancesRequest
            {
                ImageId = image, InstanceType = "g5.xlarge", MinCount = 1, MaxCount = 1, KeyName = "k2", ClientToken = "nc-1",
                InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot, SpotOptions = new SpotMarketOptions { SpotInstanceType = SpotInstanceType.OneTime } },
            }));
            var limit = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.RunInstancesAsync(new RunInstancesRequest
            {
                ImageId = image, InstanceType = "g4dn.xlarge", MinCount = 1, MaxCount = 1, KeyName = "k2", ClientToken = "nc-2",
            }));
            var tooLow = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.RunInstancesAsync(new RunInstancesRequest
            {
                ImageId = image, InstanceType = "m5.large", MinCount = 1, MaxCount = 1, KeyName = "k2", ClientToken = "nc-3",
                InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot, SpotOptions = new SpotMarketOptions { MaxPrice = "0.001" } },
            }));
            var missing = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = ["i-0000000000000000"] }));

            Assert.Equal("InsufficientInstanceCapacity", spot.ErrorCode);
            Assert.Equal("InstanceLimitExceeded", limit.ErrorCode);
            Assert.Equal("SpotMaxPriceTooLow", tooLow.ErrorCode);
            Assert.Equal("InvalidInstanceID.NotFound", missing.ErrorCode);
            Assert.DoesNotContain(fixture.Emulator.Instances, i => i.ClientToken.StartsWith("nc-", StringComparison.Ordinal));
        }
        finally
        {
            fixture.Emulator.RestoreCapacity();
        }
    }

    [Ec2Fact]
    public async Task Interrupt_SpotInstance_NoticeInMetadataThenTerminatedWithSpotReason()
    {
        using var ec2 = fixture.Client("us-east-1");
        var key = Path.Combine(fixture.Folder.FullName, "emulator-key-3");
        await Programs.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        await ec2.ImportKeyPairAsync(new ImportKeyPairRequest { KeyName = "k3", PublicKeyMaterial = await File.ReadAllTextAsync(key + ".pub") });
        var image = (await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["099720109477"] })).Images[0].ImageId;
        var prices = await ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest { InstanceTypes = ["c5.large"], ProductDescriptions = ["Linux/UNIX"] });
        var launched = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = image, InstanceType = "c5.large", MinCount = 1, MaxCount = 1, KeyName = "k3", ClientToken = "spot-1",
            InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot },
        });
        var id = launched.Reservation.Instances.Single().InstanceId;
        var running = await WaitForStateAsync(fixture.Emulator, ec2, id, "running");
        var url = $"http://{Ec2Emulator.MetadataAddress}/latest/meta-data/spot/instance-action";
        var before = await Programs.RunAsync("ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            $"root@{running.PublicIpAddress}", $"curl -s -o /dev/null -w '%{{http_code}}' {url}");

        fixture.Emulator.Interrupt(id, TimeSpan.FromSeconds(3));

        var notice = await Programs.RunAsync("ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            $"root@{running.PublicIpAddress}", $"curl -sf {url}");
        var ended = await WaitForStateAsync(fixture.Emulator, ec2, id, "terminated");
        Assert.Equal("404", before.Trim());
        Assert.Contains("\"action\": \"terminate\"", notice, StringComparison.Ordinal);
        Assert.Equal("Server.SpotInstanceTermination", ended.StateReason.Code);
        Assert.Equal(InstanceLifecycleType.Spot, ended.InstanceLifecycle);
        Assert.Equal(Math.Round(0.085m * 0.3m, 4), decimal.Parse(prices.SpotPriceHistory.First().Price, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Math.Round(0.085m * 0.3m, 4), fixture.Emulator.Ledger.Single(e => e.InstanceId == id).PricePerHour);
    }

    internal static async Task<Instance> WaitForStateAsync(Ec2Emulator emulator, AmazonEC2Client ec2, string id, string state)
    {
        Instance? found = null;
        await Eventually.TrueAsync(
            async () =>
            {
                found = (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [id] })).Reservations.Single().Instances.Single();
                Assert.True(emulator.BootFailures.Count == 0, string.Join("\n", emulator.BootFailures));
                return found.State.Name.Value == state;
            },
            TimeSpan.FromSeconds(60),
            $"{id} to be {state}");
        return found!;
    }
}
