using System.Collections.Concurrent;
using Dstack.Core.Backends;
using Dstack.Core.Runs;
using Dstack.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Dstack.Workflows.Tests;

/// <summary>
/// Stands in for the backends and storage under the real activity names, recording every call, so the workflow's
/// decisions (what it calls, in which order, with what) are what the tests assert.
/// </summary>
public sealed class FakeRunActivities
{
    private readonly TaskCompletionSource<int> _jobExit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentQueue<RunManifest> Manifests { get; } = new();

    public IReadOnlyList<InstanceOffer> Offers { get; set; } = [Offer("local")];

    /// <summary>Gets the offer lists the first searches find, one per search; past them, <see cref="Offers"/>.</summary>
    public ConcurrentQueue<IReadOnlyList<InstanceOffer>> FirstSearches { get; } = new();

    public HashSet<string> NoCapacityBackends { get; } = [];

    /// <summary>
    /// Gets or sets whether the search asks a cloud (so a run without capacity backs off rather than waiting in the capacity
    /// queue, and one with no offer may find one later); false makes the backends those of this machine alone.
    /// </summary>
    public bool CloudSearched { get; set; } = true;

    /// <summary>Gets the backends whose machines have fixed slots (their slots are claimed by a local activity), as an SSH backend's.</summary>
    public List<string> FixedSlotBackends { get; } = [];

    /// <summary>Gets the backends whose launches fail other than for capacity (a launch that timed out).</summary>
    public HashSet<string> FailedLaunchBackends { get; } = [];

    /// <summary>Gets or sets the exit code of a job that ends by itself; null keeps it running until stopped.</summary>
    public int? ExitCode { get; set; } = 0;

    public bool FailExecution { get; set; }

    /// <summary>Gets or sets whether the job's machine stops answering past the grace period while it runs.</summary>
    public bool UnreachableExecution { get; set; }

    public static InstanceOffer Offer(string backend, decimal price = 0) => Offer(backend, "region", spot: false, price);

    public static InstanceOffer Offer(string backend, string region, bool spot, decimal price = 0) =>
        new(backend, region, backend + "-type", new MachineResources(8, 16L << 30, [], 100L << 30), price, spot, "available");

    /// <summary>Gets or sets whether the cloud has no capacity for spot offers (on-demand ones launch).</summary>
    public bool NoSpotCapacity { get; set; }

    /// <summary>Gets the attempts whose spot machine the cloud takes back once the job runs; null interrupts every attempt.</summary>
    public HashSet<int>? InterruptedAttempts { get; set; } = [];

    public Task<int> JobStarted => _jobStarted.Task;

    private readonly TaskCompletionSource<int> _jobStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly ConcurrentDictionary<string, StepHold> _holds = new(StringComparer.Ordinal);

    /// <summary>The exit code a stop left for a job it found not started yet (0: none), as the stop's mark on a machine.</summary>
    private int _stoppedBeforeStart;

    /// <summary>Holds the activity named <paramref name="activity"/> (Provision, PrepareJob, UploadArtifacts) when it runs.</summary>
    public StepHold Hold(string activity) => _holds.GetOrAdd(activity, _ => new StepHold());

    [Activity("FindOffers")]
    public FindOffersResult FindOffers(FindOffersInput input)
    {
        Calls.Enqueue("FindOffers");
        var offers = FirstSearches.TryDequeue(out var first) ? first : Offers;
        return new FindOffersResult(offers, offers.Count == 0 ? ["local: asked for 1 GPU, has 0; a remote backend is needed"] : [], CloudSearched: CloudSearched, FixedSlotBackends: [.. FixedSlotBackends]);
    }

    [Activity("Provision")]
    public async Task<Instance> ProvisionAsync(ProvisionInput input)
    {
        Calls.Enqueue($"Provision {input.Offer.Backend} {input.ClientToken}");
        await PassHoldAsync("Provision");
        if (NoCapacityBackends.Contains(input.Offer.Backend) || (NoSpotCapacity && input.Offer.Spot))
        {
            throw new ApplicationFailureException("InsufficientInstanceCapacity", errorType: FailureReason.NoCapacity, nonRetryable: true);
        }

        if (FailedLaunchBackends.Contains(input.Offer.Backend))
        {
            throw new ApplicationFailureException("the instance did not answer SSH within 10 minutes", errorType: "Timeout", nonRetryable: true);
        }

        return new Instance(input.Offer.Backend, input.Offer.Backend + "-1", input.Offer);
    }

    /// <summary>Gets or sets how many more times removing the job folder fails as a lost connection does (retryable) before it succeeds.</summary>
    public int CleanUpFailures { get => _cleanUpFailuresLeft; set => _cleanUpFailuresLeft = value; }

    [Activity("CleanUpJob")]
    public void CleanUpJob(JobInput input)
    {
        Calls.Enqueue("CleanUpJob");
        if (Interlocked.Decrement(ref _cleanUpFailuresLeft) >= 0)
        {
            throw new ApplicationFailureException("The job folder was left on local-1: Lost the connection", errorType: FailureReason.InstanceUnreachable);
        }
    }

    private int _cleanUpFailuresLeft;

    [Activity("Release")]
    public void Release(Instance instance) => Calls.Enqueue($"Release {instance.InstanceId}");

    [Activity("CleanUpAndRelease")]
    public Task<ReleaseResult> CleanUpAndReleaseAsync(ReleaseInput input) => FakeRelease.RunAsync(input, CleanUpJob, Release);

    [Activity("ReleaseByClientToken")]
    public void ReleaseByClientToken(ProvisionInput input) => Calls.Enqueue($"ReleaseByClientToken {input.ClientToken}");

    [Activity("PrepareJob")]
    public async Task<PrepareJobResult> PrepareJobAsync(JobInput input)
    {
        Calls.Enqueue("PrepareJob");
        await PassHoldAsync("PrepareJob");
        return new PrepareJobResult("env-key");
    }

    [Activity("ExecuteJob")]
    public async Task<ExecuteJobResult> ExecuteJobAsync(JobInput input)
    {
        if (input.Prepare)
        {
            // As the real activity: it prepares the job first, and a stop that came meanwhile keeps the job from starting.
            Calls.Enqueue("PrepareJob");
            await PassHoldAsync("PrepareJob");
            if (Volatile.Read(ref _stoppedBeforeStart) is var stopped and not 0)
            {
                return new ExecuteJobResult(stopped, 0);
            }
        }

        Calls.Enqueue("ExecuteJob");
        _jobStarted.TrySetResult(0);
        if (FailExecution)
        {
            throw new ApplicationFailureException("the instance disappeared", errorType: "Broken", nonRetryable: true);
        }

        if (UnreachableExecution)
        {
            throw new ApplicationFailureException("root@gpu-1:22 did not answer for 30 s", errorType: FailureReason.InstanceUnreachable, nonRetryable: true);
        }

        if (ExitCode is { } code && !Interrupted(input))
        {
            return new ExecuteJobResult(code, 10);
        }

        // Heartbeats while the job runs, as the real activity does: a cancellation (an interruption) reaches it only so.
        var context = ActivityExecutionContext.Current;
        while (!_jobExit.Task.IsCompleted)
        {
            context.Heartbeat();
            await Task.WhenAny(_jobExit.Task, Task.Delay(TimeSpan.FromMilliseconds(100), context.CancellationToken));
            context.CancellationToken.ThrowIfCancellationRequested();
        }

        return new ExecuteJobResult(await _jobExit.Task, 10);
    }

    /// <summary>Announces the interruption of an attempt in <see cref="InterruptedAttempts"/> once its job runs; else watches until cancelled.</summary>
    [Activity("WatchInterruption")]
    public async Task<InterruptionNotice> WatchInterruptionAsync(JobInput input)
    {
        var context = ActivityExecutionContext.Current;
        if (Interrupted(input))
        {
            await JobStarted.WaitAsync(context.CancellationToken);
            Calls.Enqueue($"Interrupted attempt {input.Attempt} in {input.Instance.Offer.Region}");
            return new InterruptionNotice("cloud", "spot capacity reclaimed", null);
        }

        while (true)
        {
            context.Heartbeat();
            await Task.Delay(TimeSpan.FromMilliseconds(100), context.CancellationToken);
        }
    }

    [Activity("CheckInterruption")]
    public InterruptionNotice? CheckInterruption(Instance instance) => null;

    [Activity("LogEnd")]
    public long LogEnd(string run) => 0;

    [Activity("StopJob")]
    public void StopJob(StopJobInput input)
    {
        Calls.Enqueue($"StopJob force={input.Force}");
        if (!_jobStarted.Task.IsCompleted)
        {
            Volatile.Write(ref _stoppedBeforeStart, input.Force ? 137 : 143);
        }

        _jobExit.TrySetResult(input.Force ? 137 : 143);
    }

    [Activity("UploadArtifacts")]
    public async Task<UploadArtifactsResult> UploadArtifactsAsync(JobInput input)
    {
        Calls.Enqueue("UploadArtifacts");
        await PassHoldAsync("UploadArtifacts");
        return new UploadArtifactsResult([.. input.Spec.Artifacts.Select(a => a.Path)], 5, 1);
    }

    [Activity("WriteManifest")]
    public void WriteManifest(RunManifest manifest) => Manifests.Enqueue(manifest);

    private bool Interrupted(JobInput input) => input.Instance.Offer.Spot && (InterruptedAttempts is null || InterruptedAttempts.Contains(input.Attempt));

    private Task PassHoldAsync(string activity) =>
        _holds.TryGetValue(activity, out var hold) ? hold.PassAsync(ActivityExecutionContext.Current.CancellationToken) : Task.CompletedTask;
}
