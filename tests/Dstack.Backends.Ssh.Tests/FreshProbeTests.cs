using System.Collections.Concurrent;

namespace Dstack.Backends.Ssh.Tests;

public sealed class FreshProbeTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<TaskCompletionSource<int>> _results = new();
    private readonly SemaphoreSlim _started = new(0);
    private readonly FreshProbe<int> _probe;
    private int _probes;

    public FreshProbeTests() => _probe = new FreshProbe<int>(ProbeAsync);

    public void Dispose()
    {
        _probe.Dispose();
        _started.Dispose();
    }

    [Fact]
    public async Task RunAsync_CallersWhileAProbeRuns_ShareTheNextOneAndNeverGetTheRunningOnes()
    {
        var first = _probe.RunAsync(CancellationToken.None);
        await WaitForProbeAsync();
        var later = Enumerable.Range(0, 5).Select(_ => _probe.RunAsync(CancellationToken.None)).ToList();

        Finish(1);
        Assert.Equal(1, await first.WaitAsync(Deadline));
        await WaitForProbeAsync();
        Assert.All(later, t => Assert.False(t.IsCompleted));
        Finish(2);

        var results = await Task.WhenAll(later).WaitAsync(Deadline);
        Assert.Equal([2, 2, 2, 2, 2], results);
        Assert.Equal(2, _probes);
    }

    [Fact]
    public async Task RunAsync_AfterTheLastProbeEnded_ProbesAgain()
    {
        var first = _probe.RunAsync(CancellationToken.None);
        await WaitForProbeAsync();
        Finish(1);
        Assert.Equal(1, await first.WaitAsync(Deadline));

        var second = _probe.RunAsync(CancellationToken.None);
        await WaitForProbeAsync();
        Finish(2);

        Assert.Equal(2, await second.WaitAsync(Deadline));
        Assert.Equal(2, _probes);
    }

    [Fact]
    public async Task RunAsync_ProbeFails_ItsSharersGetTheFailureAndTheNextCallProbesAgain()
    {
        var first = _probe.RunAsync(CancellationToken.None);
        await WaitForProbeAsync();
        var shared = Enumerable.Range(0, 3).Select(_ => _probe.RunAsync(CancellationToken.None)).ToList();
        Finish(1);
        await first.WaitAsync(Deadline);
        await WaitForProbeAsync();
        Fail(new TimeoutException("host did not answer"));

        foreach (var caller in shared)
        {
            var e = await Assert.ThrowsAsync<TimeoutException>(() => caller.WaitAsync(Deadline));
            Assert.Equal("host did not answer", e.Message);
        }

        var next = _probe.RunAsync(CancellationToken.None);
        await WaitForProbeAsync();
        Finish(3);
        Assert.Equal(3, await next.WaitAsync(Deadline));
    }

    [Fact]
    public async Task RunAsync_OneSharerGivesUp_TheOthersStillGetTheResult()
    {
        var first = _probe.RunAsync(CancellationToken.None);
        await WaitForProbeAsync();
        using var impatient = new CancellationTokenSource();
        var quitter = _probe.RunAsync(impatient.Token);
        var stayer = _probe.RunAsync(CancellationToken.None);
        Finish(1);
        await first.WaitAsync(Deadline);
        await WaitForProbeAsync();

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quitter.WaitAsync(Deadline));
        Finish(2);

        Assert.Equal(2, await stayer.WaitAsync(Deadline));
        Assert.Equal(2, _probes);
    }

    private Task<int> ProbeAsync()
    {
        var result = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _results.Enqueue(result);
        Interlocked.Increment(ref _probes);
        _started.Release();
        return result.Task;
    }

    private async Task WaitForProbeAsync() => Assert.True(await _started.WaitAsync(Deadline), "a probe did not start");

    private void Finish(int value) => Next().SetResult(value);

    private void Fail(Exception e) => Next().SetException(e);

    private TaskCompletionSource<int> Next() => _results.TryDequeue(out var next) ? next : throw new InvalidOperationException("no probe is running");
}
