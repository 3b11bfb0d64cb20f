using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using static Dstack.Testing.Aws.Ec2Xml;

namespace Dstack.Testing.Aws;

/// <summary>The EC2 actions the emulator answers.</summary>
public sealed partial class Ec2Emulator
{
    private const string OwnerId = "123456789012";

    private Task<XDocument> DispatchAsync(string action, Ec2Query q) => action switch
    {
        "DescribeRegions" => Task.FromResult(Response(action, Items("regionInfo", KnownRegions.Select(r => new object[] { E("regionName", r), E("regionEndpoint", $"ec2.{r}.amazonaws.com"), E("optInStatus", "opt-in-not-required") })))),
        "ImportKeyPair" => Task.FromResult(ImportKeyPair(q)),
        "DescribeKeyPairs" => Task.FromResult(DescribeKeyPairs(q)),
        "CreateSecurityGroup" => Task.FromResult(CreateSecurityGroup(q)),
        "AuthorizeSecurityGroupIngress" => Task.FromResult(AuthorizeSecurityGroupIngress(q)),
        "DescribeSecurityGroups" => Task.FromResult(DescribeSecurityGroups(q)),
        "DescribeImages" => Task.FromResult(DescribeImages(q)),
        "DescribeSpotPriceHistory" => Task.FromResult(DescribeSpotPriceHistory(q)),
        "RunInstances" => Task.FromResult(RunInstances(q)),
        "DescribeInstances" => Task.FromResult(DescribeInstances(q)),
        "DescribeSpotInstanceRequests" => Task.FromResult(DescribeSpotInstanceRequests(q)),
        "TerminateInstances" => Task.FromResult(TerminateInstances(q)),
        _ => throw new Ec2ErrorException("InvalidAction", $"The action {action} is not valid for this web service."),
    };

    private XDocument ImportKeyPair(Ec2Query q)
    {
        var name = q.Required("KeyName");
        var material = q.Required("PublicKeyMaterial");

        // The API takes the key base64-encoded; accept it plain too, as some clients send it.
        if (!material.StartsWith("ssh-", StringComparison.Ordinal))
        {
            try
            {
                material = Encoding.UTF8.GetString(Convert.FromBase64String(material));
            }
            catch (FormatException)
            {
                throw new Ec2ErrorException("InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format");
            }
        }

        if (!material.StartsWith("ssh-", StringComparison.Ordinal))
        {
            throw new Ec2ErrorException("InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format");
        }

        string id;
        lock (_lock)
        {
            if (_keyPairs.ContainsKey((q.Region, name)))
            {
                throw new Ec2ErrorException("InvalidKeyPair.Duplicate", $"The keypair '{name}' already exists.");
            }

            id = NextId("key");
            _keyPairs[(q.Region, name)] = (id, material.Trim());
        }

        return Response("ImportKeyPair", E("keyFingerprint", Fingerprint(material)), E("keyName", name), E("keyPairId", id));
    }

    private XDocument DescribeKeyPairs(Ec2Query q)
    {
        var names = q.List("KeyName");
        lock (_lock)
        {
            foreach (var missing in names.Where(n => !_keyPairs.ContainsKey((q.Region, n))))
            {
                throw new Ec2ErrorException("InvalidKeyPair.NotFound", $"The key pair '{missing}' does not exist");
            }

            var pairs = _keyPairs.Where(k => k.Key.Region == q.Region && (names.Count == 0 || names.Contains(k.Key.Name)));
            return Response("DescribeKeyPairs", Items("keySet", pairs.Select(p => new object[] { E("keyPairId", p.Value.Id), E("keyName", p.Key.Name), E("keyFingerprint", Fingerprint(p.Value.Material)), E("keyType", p.Value.Material.StartsWith("ssh-ed25519", StringComparison.Ordinal) ? "ed25519" : "rsa") })));
        }
    }

    private XDocument CreateSecurityGroup(Ec2Query q)
    {
        var name = q.Required("GroupName");
        var description = q.Required("GroupDescription");
        lock (_lock)
        {
            if (_groups.Any(g => g.Region == q.Region && g.Name == name))
            {
                throw new Ec2ErrorException("InvalidGroup.Duplicate", $"The security group '{name}' already exists for VPC 'vpc-0default'");
            }

            var group = new SecurityGroup(NextId("sg"), q.Region, name, description, q.Tags("security-group"));
            _groups.Add(group);
            return Response("CreateSecurityGroup", E("return", "true"), E("groupId", group.Id));
        }
    }

    private XDocument AuthorizeSecurityGroupIngress(Ec2Query q)
    {
        lock (_lock)
        {
            var group = FindGroup(q);
            foreach (var permission in q.Members("IpPermissions"))
            {
                var protocol = q.Required($"{permission}.IpProtocol");
                var from = q.Get($"{permission}.FromPort");
                var to = q.Get($"{permission}.ToPort");
                foreach (var range in q.Members($"{permission}.IpRanges"))
                {
                    var rule = $"{protocol} {from}-{to} {q.Required($"{range}.CidrIp")}";
                    if (group.Rules.Contains(rule))
                    {
                        throw new Ec2ErrorException("InvalidPermission.Duplicate", $"the specified rule \"peer: {q.Get($"{range}.CidrIp")}, {protocol.ToUpperInvariant()}, from port: {from}, to port: {to}, ALLOW\" already exists");
                    }

                    group.Rules.Add(rule);
                }
            }

            return Response("AuthorizeSecurityGroupIngress", E("return", "true"));
        }
    }

    private SecurityGroup FindGroup(Ec2Query q)
    {
        if (q.Get("GroupId") is { } id)
        {
            return _groups.FirstOrDefault(g => g.Region == q.Region && g.Id == id)
                ?? throw new Ec2ErrorException("InvalidGroup.NotFound", $"The security group '{id}' does not exist");
        }

        var name = q.Required("GroupName");
        return _groups.FirstOrDefault(g => g.Region == q.Region && g.Name == name)
            ?? throw new Ec2ErrorException("InvalidGroup.NotFound", $"The security group '{name}' does not exist in default VPC 'vpc-0default'");
    }

    private XDocument DescribeSecurityGroups(Ec2Query q)
    {
        var ids = q.List("GroupId");
        var names = q.List("GroupName");
        var filters = q.Filters();
        lock (_lock)
        {
            var groups = _groups.Where(g => g.Region == q.Region).ToList();
            foreach (var id in ids.Where(id => groups.All(g => g.Id != id)))
            {
                throw new Ec2ErrorException("InvalidGroup.NotFound", $"The security group '{id}' does not exist");
            }

            foreach (var name in names.Where(n => groups.All(g => g.Name != n)))
            {
                throw new Ec2ErrorException("InvalidGroup.NotFound", $"The security group '{name}' does not exist in default VPC 'vpc-0default'");
            }

            groups = [.. groups.Where(g =>
                (ids.Count == 0 || ids.Contains(g.Id)) && (names.Count == 0 || names.Contains(g.Name))
                && filters.All(f => f.Key switch
                {
                    "group-name" => f.Value.Contains(g.Name),
                    "group-id" => f.Value.Contains(g.Id),
                    _ when f.Key.StartsWith("tag:", StringComparison.Ordinal) => g.Tags.TryGetValue(f.Key[4..], out var v) && f.Value.Contains(v),
                    _ => throw new Ec2ErrorException("InvalidParameterValue", $"The filter '{f.Key}' is invalid"),
                }))];
            return Response("DescribeSecurityGroups", Items("securityGroupInfo", groups.Select(g => new object[]
            {
                E("ownerId", OwnerId),
                E("groupId", g.Id),
                E("groupName", g.Name),
                E("groupDescription", g.Description),
                E("vpcId", "vpc-0default"),
                Items("ipPermissions", g.Rules.Select(r => r.Split(' ')).Select(r => new object[]
                {
                    E("ipProtocol", r[0]),
                    E("fromPort", r[1].Split('-')[0]),
                    E("toPort", r[1].Split('-')[1]),
                    Items("ipRanges", [new object[] { E("cidrIp", r[2]) }]),
                })),
                Tags(g.Tags),
            })));
        }
    }

    /// <summary>Canonical's Ubuntu images and AWS's GPU Deep Learning image, named and owned as on EC2.</summary>
    private XDocument DescribeImages(Ec2Query q)
    {
        var images = new[]
        {
            (Id: $"ami-0{Hash(q.Region + "ubuntu")}", Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251001", Owner: "099720109477"),
            (Id: $"ami-0{Hash(q.Region + "ubuntu-old")}", Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250601", Owner: "099720109477"),
            (Id: $"ami-0{Hash(q.Region + "dlami")}", Name: "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 24.04) 20251010", Owner: "898082745236"),
        };
        var owners = q.List("Owner");
        var filters = q.Filters();
        var ids = q.List("ImageId");
        var matching = images.Where(i =>
            (owners.Count == 0 || owners.Contains(i.Owner) || (owners.Contains("amazon") && i.Owner == "898082745236"))
            && (ids.Count == 0 || ids.Contains(i.Id))
            && filters.All(f => f.Key switch
            {
                "name" => f.Value.Any(pattern => Glob(pattern, i.Name)),
                "state" => f.Value.Contains("available"),
                "architecture" => f.Value.Contains("x86_64"),
                _ => true,
            }));
        return Response("DescribeImages", Items("imagesSet", matching.Select(i => new object[]
        {
            E("imageId", i.Id), E("imageLocation", $"{i.Owner}/{i.Name}"), E("imageState", "available"), E("imageOwnerId", i.Owner),
            E("creationDate", "20" + i.Name[^8..^6] + "-" + i.Name[^4..^2] + "-" + i.Name[^2..] + "T00:00:00.000Z"),
            E("isPublic", "true"), E("architecture", "x86_64"), E("imageType", "machine"), E("name", i.Name),
            E("rootDeviceType", "ebs"), E("virtualizationType", "hvm"),
        })));

        static bool Glob(string pattern, string value) =>
            System.Text.RegularExpressions.Regex.IsMatch(value, "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$");
    }

    private XDocument DescribeSpotPriceHistory(Ec2Query q)
    {
        var types = q.List("InstanceType");
        var now = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            var offered = _onDemand.Keys.Where(k => k.Region == q.Region && (types.Count == 0 || types.Contains(k.Type))).Select(k => k.Type).Distinct(StringComparer.Ordinal);
            var items = offered.SelectMany(t => new[] { "a", "b" }.Select(az => new object[]
            {
                E("instanceType", t), E("productDescription", "Linux/UNIX"), E("spotPrice", Price(SpotPrice(q.Region, t))),
                E("timestamp", Time(now.AddMinutes(-7))), E("availabilityZone", q.Region + az),
            }));
            return Response("DescribeSpotPriceHistory", Items("spotPriceHistorySet", items), E("nextToken", string.Empty));
        }
    }

    private decimal SpotPrice(string region, string type) =>
        _spot.TryGetValue((region, type), out var price) ? price : Math.Round(_onDemand[(region, type)] * 0.3m, 4);

    private XDocument RunInstances(Ec2Query q)
    {
        var type = q.Get("InstanceType") ?? "m1.small";
        var image = q.Required("ImageId");
        var keyName = q.Get("KeyName") ?? throw new Ec2ErrorException("MissingParameter", "dstack's emulator needs KeyName to authorize a key on the instance");
        var token = q.Get("ClientToken") ?? Guid.NewGuid().ToString();
        var spot = q.Get("InstanceMarketOptions.MarketType") == "spot";
        var maxPrice = q.Get("InstanceMarketOptions.SpotOptions.MaxPrice") is { } max ? decimal.Parse(max, CultureInfo.InvariantCulture) : (decimal?)null;
        if (q.Number("MinCount", 1) != 1 || q.Number("MaxCount", 1) != 1)
        {
            throw new Ec2ErrorException("InvalidParameterCombination", "dstack's emulator launches one instance per call");
        }

        EmulatedInstance instance;
        string publicKey;
        lock (_lock)
        {
            // Idempotency: the same client token answers with the instance it launched (EC2 keeps that for days).
            if (_instances.FirstOrDefault(i => i.Region == q.Region && i.ClientToken == token) is { } earlier)
            {
                if (earlier.InstanceType != type || earlier.Spot != spot)
                {
                    throw new Ec2ErrorException("IdempotentParameterMismatch", $"The client token '{token}' was used with different parameters.");
                }

                return Reservation("RunInstances", earlier);
            }

            if (!image.StartsWith("ami-0", StringComparison.Ordinal) || !image.EndsWith(Hash(q.Region + "ubuntu"), StringComparison.Ordinal) && !image.EndsWith(Hash(q.Region + "ubuntu-old"), StringComparison.Ordinal) && !image.EndsWith(Hash(q.Region + "dlami"), StringComparison.Ordinal))
            {
                throw new Ec2ErrorException("InvalidAMIID.NotFound", $"The image id '[{image}]' does not exist");
            }

            if (!_keyPairs.TryGetValue((q.Region, keyName), out var key))
            {
                throw new Ec2ErrorException("InvalidKeyPair.NotFound", $"The key pair '{keyName}' does not exist");
            }

            publicKey = key.Material;
            var groups = q.List("SecurityGroupId");
            foreach (var missing in groups.Where(g => _groups.All(s => s.Region != q.Region || s.Id != g)))
            {
                throw new Ec2ErrorException("InvalidGroup.NotFound", $"The security group '{missing}' does not exist");
            }

            if (!_onDemand.TryGetValue((q.Region, type), out var onDemand))
            {
                throw new Ec2ErrorException("Unsupported", $"Your requested instance type ({type}) is not supported in your requested Availability Zone ({q.Region}a).");
            }

            if (_noCapacity.TryGetValue((q.Region, type, spot), out var code) || _noCapacity.TryGetValue((q.Region, "*", spot), out code))
            {
                throw code == "InsufficientInstanceCapacity"
                    ? new Ec2ErrorException(code, $"We currently do not have sufficient {type} capacity in the Availability Zone you requested ({q.Region}a). Our system will be working on provisioning additional capacity.", HttpStatusCode.InternalServerError)
                    : new Ec2ErrorException(code, $"There is no {(spot ? "Spot " : string.Empty)}capacity available that matches your request ({type}, {q.Region}).");
            }

            var price = spot ? SpotPrice(q.Region, type) : onDemand;
            if (spot && maxPrice is { } limit && limit < price)
            {
                throw new Ec2ErrorException("SpotMaxPriceTooLow", $"Your Spot request price of {Price(limit)} is lower than the minimum required Spot request fulfillment price of {Price(price)}.");
            }

            instance = new EmulatedInstance
            {
                InstanceId = NextId("i"),
                Region = q.Region,
                AvailabilityZone = q.Region + "a",
                InstanceType = type,
                ImageId = image,
                KeyName = keyName,
                SecurityGroupIds = groups,
                ClientToken = token,
                ReservationId = NextId("r"),
                Spot = spot,
                SpotRequestId = spot ? NextId("sir") : null,
                PricePerHour = price,
                Tags = q.Tags("instance"),
                LaunchTime = DateTimeOffset.UtcNow,
            };
            _instances.Add(instance);
        }

        Track(BootOrFailAsync(instance, publicKey));
        lock (_lock)
        {
            return Reservation("RunInstances", instance);
        }
    }

    private XDocument Reservation(string action, EmulatedInstance instance) => Response(
        action,
        E("reservationId", instance.ReservationId),
        E("ownerId", OwnerId),
        E("groupSet"),
        E("instancesSet", Instance(instance)));

    private XDocument DescribeInstances(Ec2Query q)
    {
        var ids = q.List("InstanceId");
        var filters = q.Filters();
        lock (_lock)
        {
            var inRegion = _instances.Where(i => i.Region == q.Region).ToList();
            foreach (var missing in ids.Where(id => inRegion.All(i => i.InstanceId != id)))
            {
                throw new Ec2ErrorException("InvalidInstanceID.NotFound", $"The instance ID '{missing}' does not exist");
            }

            var matching = inRegion.Where(i => (ids.Count == 0 || ids.Contains(i.InstanceId)) && filters.All(f => Matches(i, f.Key, f.Value))).ToList();
            return Response("DescribeInstances", Items("reservationSet", matching.Select(i => new object[]
            {
                E("reservationId", i.ReservationId), E("ownerId", OwnerId), E("groupSet"), E("instancesSet", Instance(i)),
            })));
        }
    }

    private static bool Matches(EmulatedInstance i, string filter, IReadOnlyList<string> values) => filter switch
    {
        "instance-state-name" => values.Contains(i.State),
        "instance-id" => values.Contains(i.InstanceId),
        "instance-type" => values.Contains(i.InstanceType),
        "client-token" => values.Contains(i.ClientToken),
        "instance-lifecycle" => values.Contains(i.Spot ? "spot" : "normal"),
        "tag-key" => values.Any(i.Tags.ContainsKey),
        _ when filter.StartsWith("tag:", StringComparison.Ordinal) => i.Tags.TryGetValue(filter[4..], out var v) && values.Contains(v),
        _ => throw new Ec2ErrorException("InvalidParameterValue", $"The filter '{filter}' is invalid"),
    };

    private XDocument DescribeSpotInstanceRequests(Ec2Query q)
    {
        var ids = q.List("SpotInstanceRequestId");
        var filters = q.Filters();
        lock (_lock)
        {
            var requests = _instances.Where(i => i.Region == q.Region && i.SpotRequestId is not null
                && (ids.Count == 0 || ids.Contains(i.SpotRequestId!))
                && (!filters.TryGetValue("instance-id", out var instanceIds) || instanceIds.Contains(i.InstanceId)));
            return Response("DescribeSpotInstanceRequests", Items("spotInstanceRequestSet", requests.Select(i => new object[]
            {
                E("spotInstanceRequestId", i.SpotRequestId),
                E("spotPrice", Price(i.PricePerHour)),
                E("type", "one-time"),
                E("state", i.SpotStatus == "fulfilled" ? "active" : i.State == "terminated" ? "closed" : "active"),
                E("status", E("code", i.SpotStatus), E("updateTime", Time(DateTimeOffset.UtcNow)), E("message", i.SpotStatus)),
                E("instanceId", i.InstanceId),
                E("launchSpecification", E("instanceType", i.InstanceType)),
                E("instanceInterruptionBehavior", "terminate"),
            })));
        }
    }

    private XDocument TerminateInstances(Ec2Query q)
    {
        var ids = q.List("InstanceId");
        var changes = new List<object>();
        var removals = new List<EmulatedInstance>();
        lock (_lock)
        {
            foreach (var id in ids)
            {
                var instance = _instances.FirstOrDefault(i => i.Region == q.Region && i.InstanceId == id)
                    ?? throw new Ec2ErrorException("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
                var previous = (instance.StateCode, instance.State);
                if (instance.State is not ("shutting-down" or "terminated"))
                {
                    instance.State = "shutting-down";
                    instance.StateReasonCode = "Client.UserInitiatedShutdown";
                    instance.StateReasonMessage = "Client.UserInitiatedShutdown: User initiated shutdown";
                    instance.EndedAt = DateTimeOffset.UtcNow;
                    if (instance.Host is not null)
                    {
                        removals.Add(instance);
                    }
                }

                changes.Add(new object[]
                {
                    E("instanceId", id),
                    E("currentState", E("code", instance.StateCode), E("name", instance.State)),
                    E("previousState", E("code", previous.StateCode), E("name", previous.State)),
                });
            }
        }

        // A pending instance has no host yet: its boot sees the termination and removes what it made.
        foreach (var instance in removals)
        {
            Track(RemoveAsync(instance));
        }

        return Response("TerminateInstances", Items("instancesSet", changes));
    }

    private static string Fingerprint(string material) =>
        string.Join(':', SHA256.HashData(Encoding.UTF8.GetBytes(material)).Take(16).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..16];
}
