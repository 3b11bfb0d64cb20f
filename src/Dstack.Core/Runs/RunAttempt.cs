namespace Dstack.Core.Runs;

/// <summary>
/// One machine a run used: an attempt ends when its machine is released (done, failed, interrupted). Costs follow
/// per-second billing with a one-minute minimum (EC2 Linux); null when the price is unknown.
/// </summary>
public sealed record RunAttempt
{
    public required int Number { get; init; }

    public required string Backend { get; init; }

    public required string Region { get; init; }

    public required string InstanceType { get; init; }

    public required string InstanceId { get; init; }

    public required bool Spot { get; init; }

    /// <summary>Gets the price per hour of the machine, or null when unknown.</summary>
    public decimal? PricePerHour { get; init; }

    /// <summary>Gets the on-demand price of the same type in the same region (what a spot attempt saved against), or null.</summary>
    public decimal? OnDemandPricePerHour { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets how the attempt ended: <c>running</c>, <c>done</c>, <c>interruption</c>, or the run's failure reason.</summary>
    public string Outcome { get; init; } = "running";

    /// <summary>Gets what the cloud said when it interrupted the attempt.</summary>
    public string? Interruption { get; init; }

    /// <summary>Gets when the run learned of the interruption (the notice reached the workflow), before the machine was released.</summary>
    public DateTimeOffset? InterruptedAt { get; init; }

    /// <summary>
    /// Gets what the release could not remove from the machine (the job's folder, and why), or null when nothing was left.
    /// A machine dstack does not own (this one, an SSH host) keeps it until someone removes it, so the user is told.
    /// </summary>
    public string? Leftover { get; init; }

    /// <summary>Gets the billed seconds (at least 60 once ended).</summary>
    public long BilledSeconds => EndedAt is { } end ? Math.Max(60L, (long)Math.Ceiling((end - StartedAt).TotalSeconds)) : 0;

    public decimal? Cost => PricePerHour is { } price ? Math.Round(price * BilledSeconds / 3600m, 6) : null;

    /// <summary>Gets what the same seconds would have cost on demand, or null when unknown.</summary>
    public decimal? OnDemandCost => (OnDemandPricePerHour ?? (Spot ? null : PricePerHour)) is { } price ? Math.Round(price * BilledSeconds / 3600m, 6) : null;
}
