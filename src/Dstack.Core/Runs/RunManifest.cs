namespace Dstack.Core.Runs;

/// <summary>
/// The durable record of a run in storage (<c>runs/&lt;run&gt;/manifest.json</c>): what ran, how, and with what result.
/// It outlives Temporal's retention, so <c>dstack ps -a</c> and artifacts keep working from it.
/// </summary>
public sealed record RunManifest
{
    public required RunSpec Spec { get; init; }

    public RunStatus Status { get; init; } = RunStatus.Submitted;

    /// <summary>Gets one of <see cref="FailureReason"/>, or null while running or when done.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets a message for the user when the run did not succeed.</summary>
    public string? Message { get; init; }

    public int? ExitCode { get; init; }

    public string? Backend { get; init; }

    public string? InstanceType { get; init; }

    public string? Region { get; init; }

    public decimal? PricePerHour { get; init; }

    /// <summary>Gets the environment key the job ran with.</summary>
    public string? EnvironmentHash { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets the machines the run used, in order (several after interruptions).</summary>
    public IReadOnlyList<RunAttempt> Attempts { get; init; } = [];

    /// <summary>Gets the cost of all attempts, or null when a price is unknown or nothing ran.</summary>
    public decimal? TotalCost => Attempts.Count > 0 && Attempts.All(a => a.Cost is not null) ? Attempts.Sum(a => a.Cost!.Value) : null;

    /// <summary>Gets what the same machine time would have cost on demand, or null when unknown.</summary>
    public decimal? OnDemandCost => Attempts.Count > 0 && Attempts.All(a => a.OnDemandCost is not null) ? Attempts.Sum(a => a.OnDemandCost!.Value) : null;

    /// <summary>Gets the artifact paths that were uploaded.</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = [];
}
