namespace Dstack.Backends.Aws;

/// <summary>EC2 error codes dstack acts on.</summary>
internal static class Ec2ErrorCodes
{
    /// <summary>Launch errors that mean "no capacity for this offer now": the run tries the next offer, region or backs off.</summary>
    public static readonly IReadOnlySet<string> NoCapacity = new HashSet<string>(StringComparer.Ordinal)
    {
        "InsufficientInstanceCapacity",
        "InsufficientHostCapacity",
        "InsufficientReservedInstanceCapacity",
        "InsufficientCapacity",
        "SpotMaxPriceTooLow",
        "MaxSpotInstanceCountExceeded",
        "InstanceLimitExceeded",
        "VcpuLimitExceeded",
        "Unsupported",
        "InsufficientFreeAddressesInSubnet",
    };

    public const string InstanceNotFound = "InvalidInstanceID.NotFound";
    public const string KeyPairNotFound = "InvalidKeyPair.NotFound";
    public const string KeyPairDuplicate = "InvalidKeyPair.Duplicate";
    public const string GroupNotFound = "InvalidGroup.NotFound";
    public const string GroupDuplicate = "InvalidGroup.Duplicate";
    public const string PermissionDuplicate = "InvalidPermission.Duplicate";
    public const string SpotTermination = "Server.SpotInstanceTermination";
}
