using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>What happens after a failed attempt: retry after <see cref="Interval"/>, or close with <see cref="State"/>.</summary>
internal sealed record ActivityRetry(RetryState State, TimeSpan? Interval)
{
    /// <summary>Real Temporal's decision (mutable state RetryActivity and retry.go nextBackoffInterval).</summary>
    public static ActivityRetry Decide(ActivityState activity, Failure failure, bool isTimeout, DateTime now)
    {
        var policy = activity.Attributes.RetryPolicy;
        if (activity.CancelRequested)
        {
            return new(RetryState.CancelRequested, null);
        }

        if (!isTimeout && IsNonRetryable(failure, policy?.NonRetryableErrorTypes))
        {
            return new(RetryState.NonRetryableFailure, null);
        }

        if (policy is null)
        {
            return new(RetryState.RetryPolicyNotSet, null);
        }

        if (activity.Paused)
        {
            // Real Temporal counts the attempt and waits for the unpause, whatever the policy's limits.
            return new(RetryState.InProgress, TimeSpan.Zero);
        }

        if (policy.MaximumAttempts > 0 && activity.Attempt >= policy.MaximumAttempts)
        {
            return new(RetryState.MaximumAttemptsReached, null);
        }

        var interval = failure.ApplicationFailureInfo?.NextRetryDelay?.ToTimeSpan() is { } delay && delay > TimeSpan.Zero
            ? delay
            : Backoff(policy, activity.Attempt);
        var scheduleToClose = activity.Attributes.ScheduleToCloseTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (scheduleToClose > TimeSpan.Zero && now + interval > activity.ScheduledTime + scheduleToClose)
        {
            return new(RetryState.Timeout, null);
        }

        return new(RetryState.InProgress, interval);
    }

    public static TimeSpan Backoff(Temporalio.Api.Common.V1.RetryPolicy policy, int attempt)
    {
        var initial = policy.InitialInterval?.ToTimeSpan() ?? TimeSpan.FromSeconds(1);
        var coefficient = policy.BackoffCoefficient > 0 ? policy.BackoffCoefficient : 2.0;
        var maximum = policy.MaximumInterval?.ToTimeSpan() is { } max && max > TimeSpan.Zero ? max : initial * 100;
        var seconds = initial.TotalSeconds * Math.Pow(coefficient, attempt - 1);
        return seconds >= maximum.TotalSeconds ? maximum : TimeSpan.FromSeconds(seconds);
    }

    private static bool IsNonRetryable(Failure failure, IEnumerable<string>? nonRetryableTypes) =>
        failure.ApplicationFailureInfo is { } app
            ? app.NonRetryable || (nonRetryableTypes?.Contains(app.Type, StringComparer.Ordinal) ?? false)
            : failure.CanceledFailureInfo is not null || failure.TerminatedFailureInfo is not null;
}
