using System.Globalization;
using System.Xml.Linq;

namespace Dstack.Testing.Aws;

/// <summary>Builds EC2's XML answers: elements in the EC2 namespace, lists as <c>item</c>s, times in ISO 8601.</summary>
public static class Ec2Xml
{
    public static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    public static XElement E(string name, params object?[] content) => new(Ns + name, content.Where(c => c is not null));

    public static XElement Items(string name, IEnumerable<object> items) => E(name, items.Select(i => E("item", i)).ToArray<object?>());

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Price(decimal price) => price.ToString("0.######", CultureInfo.InvariantCulture);

    public static XElement Tags(IReadOnlyDictionary<string, string> tags) =>
        Items("tagSet", tags.Select(t => new object[] { E("key", t.Key), E("value", t.Value) }));

    public static XDocument Response(string action, params object?[] content) =>
        new(E(action + "Response", [E("requestId", Guid.NewGuid().ToString()), .. content]));

    /// <summary>EC2's error document (not in the EC2 namespace).</summary>
    public static XDocument Error(string code, string message) =>
        new(new XElement(
            "Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))),
            new XElement("RequestID", Guid.NewGuid().ToString())));

    public static XElement Instance(EmulatedInstance i) => E(
        "item",
        E("instanceId", i.InstanceId),
        E("imageId", i.ImageId),
        E("instanceState", E("code", i.StateCode), E("name", i.State)),
        E("privateDnsName", string.Empty),
        E("dnsName", string.Empty),
        E("reason", i.StateReasonMessage ?? string.Empty),
        E("keyName", i.KeyName),
        E("amiLaunchIndex", 0),
        E("instanceType", i.InstanceType),
        E("launchTime", Time(i.LaunchTime)),
        E("placement", E("availabilityZone", i.AvailabilityZone), E("tenancy", "default")),
        E("monitoring", E("state", "disabled")),
        i.PublicIp is null ? null : E("privateIpAddress", i.PublicIp),
        i.PublicIp is null ? null : E("ipAddress", i.PublicIp),
        Items("groupSet", i.SecurityGroupIds.Select(g => new object[] { E("groupId", g) })),
        i.StateReasonCode is null ? null : E("stateReason", E("code", i.StateReasonCode), E("message", i.StateReasonMessage)),
        E("architecture", "x86_64"),
        E("rootDeviceType", "ebs"),
        E("clientToken", i.ClientToken),
        i.Spot ? E("instanceLifecycle", "spot") : null,
        i.SpotRequestId is null ? null : E("spotInstanceRequestId", i.SpotRequestId),
        Tags(i.Tags),
        E("hypervisor", "xen"));
}
