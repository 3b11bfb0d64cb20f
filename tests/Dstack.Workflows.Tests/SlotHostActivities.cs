using System.Collections.Concurrent;
using Dstack.Core.Backends;
using Dstack.Core.Runs;
using Dstack.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Dstack.Workflows.Tests;

/// <summary>
/// One host with a fixed number of slots, under the real activity names, shared by several runs: a search finds it while
/// a slot is free (else counts it unavailable, as the ssh backend does a busy host), a launch takes a slot or fails with
/// no capacity, a release gives it back. Each run's job runs until the test finishes it.
/// </summary>
public sealed class SlotHostActivities(int slots)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _taken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<int>> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StepHold> _searchHolds = new(StringComparer.Ordinal);

    /// <summary>Gets the runs whose job started, in order.</summary>
    public ConcurrentQueue<string> Started { get; } = new();

    /// <summary>Gets how many searches each run made (counted when the search has looked at the host).</summary>
    public ConcurrentDictionary<string, int> Searches { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets each run's statuses, as its manifest writes went.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<RunStatus>> Statuses { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets how many slots are taken now.</summary>
    public int Taken
    {
        get
        {
            lock (_gate)
            {
                return _taken.Count;
            }
        }
    }

    /// <summary>Gets or sets whether the host cannot run what the runs ask for, however free it is.</summary>
    public bool FitsNothing { get; set; }

    /// <summary>Ends the run's job with exit code 0.</summary>
    public void Finish(string run) => Job(run).TrySetResult(0);

    /// <summary>Frees the run's slot without telling anyone, as a claim that went stale frees one.</summary>
    public void FreeSilently(string run)
    {
        lock (_gate)
        {
            foreach (var id in _taken.Where(t => t.Value == run).Select(t => t.Key).ToList())
            {
                _taken.Remove(id);
            }
        }
    }

    /// <summary>Holds the next search of <paramref name="run"/> at the hosts until the test releases it.</summary>
    public StepHold HoldSearch(string run) => _searchHolds.GetOrAdd(run, _ => new StepHold());

    [Activity("FindOffers")]
    public async Task<FindOffersResult> FindOffersAsync(FindOffersInput input)
    {
        var context = ActivityExecutionContext.Current;
        var run = context.Info.WorkflowId ?? string.Empty;
        if (_searchHolds.TryRemove(run, out var hold))
        {
            await hold.PassAsync(context.CancellationToken);
        }

        var found = Search();

        // Counted once the host was looked at: a test that waits for a search to be made may then free a slot unseen by it.
        Searches.AddOrUpdate(run, 1, (_, n) => n + 1);
        return found;
    }

    private FindOffersResult Search()
    {
        if (FitsNothing)
        {
            return new FindOffersResult([], ["ssh: host-1 cannot run it: asks for 2 GPUs, has 0."], 0, false, ["ssh"]);
        }

        lock (_gate)
        {
            return _taken.Count < slots
                ? new FindOffersResult([Offer], [], 0, false, ["ssh"])
                : new FindOffersResult([], [$"ssh: host-1 is busy with {string.Join(", ", _taken.Values)}."], 1, false, ["ssh"]);
        }
    }

    [Activity("Provision")]
    public Instance Provision(ProvisionInput input)
    {
        var id = $"host-1/{input.ClientToken}";
        lock (_gate)
        {
            if (!_taken.ContainsKey(id) && _taken.Count >= slots)
            {
                throw new ApplicationFailureException("host-1 is busy.", errorType: FailureReason.NoCapacity, nonRetryable: true);
            }

            _taken[id] = input.RunName ?? input.ClientToken;
        }

        return new Instance("ssh", id, input.Offer);
    }

    [Activity("Release")]
    public void Release(Instance instance)
    {
        lock (_gate)
        {
            _taken.Remove(instance.InstanceId);
        }
    }

    [Activity("CleanUpAndRelease")]
    public Task<ReleaseResult> CleanUpAndReleaseAsync(ReleaseInput input) => FakeRelease.RunAsync(input, CleanUpJob, Release);

    [Activity("PrepareJob")]
    public PrepareJobResult PrepareJob(JobInput input) => new("env-key");

    [Activity("ExecuteJob")]
    public async Task<ExecuteJobResult> ExecuteJobAsync(JobInput input)
    {
        Started.Enqueue(input.Spec.RunName);
        var context = ActivityExecutionContext.Current;
        var exit = Job(input.Spec.RunName).Task;
        while (!exit.IsCompleted)
        {
            context.Heartbeat();
            await Task.WhenAny(exit, Task.Delay(TimeSpan.FromMilliseconds(100), context.CancellationToken));
            context.CancellationToken.ThrowIfCancellationRequested();
        }

        return new ExecuteJobResult(await exit, 10);
    }

    [Activity("StopJob")]
    public void StopJob(StopJobInput input) => Job(input.Spec.RunName).TrySetResult(143);

    [Activity("CleanUpJob")]
    public void CleanUpJob(JobInput input)
    {
    }

    [Activity("LogEnd")]
    public long LogEnd(string run) => 0;

    [Activity("CheckInterruption")]
    public InterruptionNotice? CheckInterruption(Instance instance) => null;

    [Activity("WriteManifest")]
    public void WriteManifest(RunManifest manifest) => Statuses.GetOrAdd(manifest.Spec.RunName, _ => new()).Enqueue(manifest.Status);

    private static InstanceOffer Offer { get; } = new("ssh", "host-1", "host-1", new MachineResources(8, 16L << 30, [], 100L << 30), 0m, false, "available");

    private TaskCompletionSource<int> Job(string run) => _jobs.GetOrAdd(run, _ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
}
