namespace Dstack.Backends.Ssh;

/// <summary>
/// Runs one probe of a host for many callers at once. Each caller gets the result of a probe that started after it asked,
/// never an older one (a run that looks again after joining the capacity queue must see a block freed just before), and
/// the callers that ask while a probe runs share the next one: however many runs search at once, a host answers at most
/// one probe at a time instead of one per run (benchmarks/README.md, ScaleBenchmark).
/// </summary>
/// <remarks>
/// No library type gives this freshness rule: a cache with an expiry hands out results older than the call, and a shared
/// in-flight task hands out one that started before it.
/// </remarks>
internal sealed class FreshProbe<T>(Func<Task<T>> probe) : IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);
    private long _started;
    private (long Number, Task<T> Result)? _last;

    /// <summary>
    /// Gets the result of a probe started after this call began. The probe itself is not cancelled with
    /// <paramref name="cancellationToken"/> (other callers may share it); the wait for it is.
    /// </summary>
    public async Task<T> RunAsync(CancellationToken cancellationToken)
    {
        var startedBefore = Interlocked.Read(ref _started);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_last is not { } last || last.Number <= startedBefore)
            {
                last = (Interlocked.Increment(ref _started), Task.Run(probe, CancellationToken.None));
                _last = last;
            }

            return await last.Result.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _one.Dispose();
}
