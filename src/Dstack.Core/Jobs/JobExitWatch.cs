using System.Diagnostics;
using Dstack.Core.Instances;

namespace Dstack.Core.Jobs;

/// <summary>
/// The pause between two looks at a running job, cut short when the job ends: a wait for the wrapper's lock
/// (<see cref="JobFollower.WaitForExitAsync"/>) runs beside the pauses, so the end is seen at once rather than up to a
/// pause late, and a look less often is enough for the output. Where the machine cannot wait (no free channel, no
/// <c>flock</c>), or for a job whose wrapper holds no lock, the pauses are plain ones. One caller at a time.
/// </summary>
public sealed class JobExitWatch : IAsyncDisposable
{
    /// <summary>How long one wait lasts on the machine; the next pause starts another. Bounds a wait whose caller went away.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    /// <summary>How long no wait is tried after one the machine could not do.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private Task<LockWait>? _wait;
    private long _noWaitBefore;
    private bool _unlockedBefore;

    /// <summary>Gets whether the job's end cuts the pauses short now: a wait runs.</summary>
    public bool Waking => _wait is not null;

    /// <summary>
    /// Gets whether a wait is still held up by the wrapper's lock, which the wrapper lets go of only after it has written
    /// the exit code: until then a look at the exit code would find none, and a caller may spare it (a round trip each pause).
    /// </summary>
    public bool HeldUp => _wait is { IsCompleted: false };

    /// <summary>
    /// Pauses for <paramref name="pause"/> or until the job ends, whichever comes first. Call it when a look found the job
    /// still running, so that a wait that said the job ended and a look that found no exit code mean a wrapper without the lock.
    /// </summary>
    public async Task PauseAsync(JobFollower follower, TimeSpan pause, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(follower);
        // A wait that said the job ended, and yet this pause: the look found no exit code, so the lock means nothing here.
        if (!_unlockedBefore && _wait is null && Stopwatch.GetTimestamp() >= _noWaitBefore)
        {
            _wait = follower.WaitForExitAsync(WaitLimit, _stop.Token);
        }

        var delay = Task.Delay(pause, cancellationToken);
        if (_wait is not null && await Task.WhenAny(delay, _wait).ConfigureAwait(false) == _wait)
        {
            var result = Outcome(_wait);
            _wait = null;
            if (result == LockWait.Unlocked)
            {
                _unlockedBefore = true;
                return;
            }

            if (result == LockWait.Unavailable)
            {
                _noWaitBefore = Stopwatch.GetTimestamp() + (long)(RetryAfter.TotalSeconds * Stopwatch.Frequency);
            }
        }

        await delay.ConfigureAwait(false);
    }

    /// <summary>A wait that failed is one the machine could not do; its exception is observed here, not at finalization.</summary>
    private static LockWait Outcome(Task<LockWait> wait)
    {
        if (wait.IsCompletedSuccessfully)
        {
            return wait.Result;
        }

        _ = wait.Exception;
        return LockWait.Unavailable;
    }

    /// <summary>Stops the wait that runs, if any.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_wait is not null)
        {
            // The wait was started by this watch; it ends at once now, as stopped or as what it found.
#pragma warning disable VSTHRD003
            await ((Task)_wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
#pragma warning restore VSTHRD003
        }

        _stop.Dispose();
    }
}
