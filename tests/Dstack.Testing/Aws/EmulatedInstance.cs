namespace Dstack.Testing.Aws;

/// <summary>An instance the emulator launched. Mutable under the emulator's lock; tests read snapshots.</summary>
public sealed class EmulatedInstance
{
    public required string InstanceId { get; init; }

    public required string Region { get; init; }

    public required string AvailabilityZone { get; init; }

    public required string InstanceType { get; init; }

    public required string ImageId { get; init; }

    public required string KeyName { get; init; }

    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    public required string ClientToken { get; init; }

    public required string ReservationId { get; init; }

    public required bool Spot { get; init; }

    public string? SpotRequestId { get; init; }

    /// <summary>Gets the price per hour it is billed at (the spot price at launch for spot).</summary>
    public required decimal PricePerHour { get; init; }

    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    public required DateTimeOffset LaunchTime { get; init; }

    public string State { get; set; } = "pending";

    public string? StateReasonCode { get; set; }

    public string? StateReasonMessage { get; set; }

    public string? PublicIp { get; set; }

    /// <summary>Gets or sets the spot request's status code (<c>fulfilled</c>, <c>marked-for-termination</c>, <c>instance-terminated-by-price</c>...).</summary>
    public string SpotStatus { get; set; } = "fulfilled";

    /// <summary>Gets or sets when billing started (the instance entered running).</summary>
    public DateTimeOffset? RunningSince { get; set; }

    /// <summary>Gets or sets when billing stopped (termination asked for, or the interruption).</summary>
    public DateTimeOffset? EndedAt { get; set; }

    internal Ssh.TestHost? Host { get; set; }

    internal string? MetadataFolder { get; set; }

    public string Run => Tags.TryGetValue("dstack:run", out var run) ? run : string.Empty;

    public int StateCode => State switch
    {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        _ => 80,
    };
}
