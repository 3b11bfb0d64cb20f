namespace Dstack.Core.Configuration;

/// <summary>When and for how long a failed run is retried.</summary>
/// <param name="OnEvents">The events that trigger a retry.</param>
/// <param name="Duration">How long retries go on.</param>
public sealed record RetryPolicySpec(IReadOnlyList<RetryEvent> OnEvents, TimeSpan Duration)
{
    /// <summary>The default duration, one hour.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(1);

    /// <summary>What <c>retry: true</c> means: every event, for one hour.</summary>
    public static RetryPolicySpec All { get; } =
        new([RetryEvent.NoCapacity, RetryEvent.Interruption, RetryEvent.Error], DefaultDuration);
}
