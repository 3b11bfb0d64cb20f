namespace Dstack.Core.Configuration.Parsing;

/// <summary>The parts of a <see cref="RetryPolicySpec"/> while they are read.</summary>
internal sealed class RetryBuilder
{
    public IReadOnlyList<RetryEvent>? OnEvents { get; set; }

    public TimeSpan? Duration { get; set; }

    public RetryPolicySpec Build() =>
        new(OnEvents ?? RetryPolicySpec.All.OnEvents, Duration ?? RetryPolicySpec.DefaultDuration);
}
