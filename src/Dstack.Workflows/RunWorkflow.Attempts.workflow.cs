using System.Globalization;
using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Contracts;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Dstack.Workflows;

/// <summary>
/// The attempt loop: find capacity (the next offer, the next region, on-demand after spot when the policy is
/// <c>auto</c>, then backing off within <c>retry.duration</c>), run the job, and release the machine whatever happened. A
/// spot interruption ends an attempt: the region is blocked, a new machine is provisioned and the job starts again with
/// <c>DSTACK_ATTEMPT</c> and <c>DSTACK_RESUMED=1</c>. Each attempt's machine, price, billed time and cost go to the manifest.
/// </summary>
public sealed partial class RunWorkflow
{
    /// <summary>Past this many interruptions the run fails with <c>interruption</c> instead of trying again.</summary>
    private const int MaxAttempts = 10;

    /// <summary>How many offers one round of the capacity search tries (cheapest first), to bound the history.</summary>
    private const int OffersPerRound = 16;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    // Launching waits for the machine to boot and answer SSH, minutes on a cloud.
    private static readonly ActivityOptions ProvisionActivity = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(15),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(10), MaximumAttempts = 5 },
    };

    // A spot notice leaves two minutes at most (seconds in the emulator's tests); the machine may already be gone.
    private static readonly ActivityOptions LastSyncActivity = new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(45),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumAttempts = 2 },
    };

    private static readonly ActivityOptions WatchActivity = new()
    {
        StartToCloseTimeout = TimeSpan.FromDays(30),
        HeartbeatTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(10) },
    };

    private readonly HashSet<string> _blockedRegions = [];
    private readonly List<string> _capacityErrors = [];
    private readonly Dictionary<string, decimal?> _onDemandPrices = [];
    private ProvisionInput? _provisioning;
    private FindOffersResult? _offers;
    private InterruptionNotice? _interruption;
    private string? _leftover;
    private DateTimeOffset? _interruptedAt;
    private long _logOffset;

    private async Task<RunResult> RunAttemptsAsync(RunSpec spec, FindOffersResult? offers)
    {
        _offers = offers;
        try
        {
            while (true)
            {
                await SetStatusAsync(RunStatus.Provisioning);
                var (instance, early) = await AcquireAsync(spec);
                if (instance is null)
                {
                    return early!;
                }

                _instance = instance;
                _provisioning = null;
                StartAttempt(instance);
                RunResult? result;
                try
                {
                    result = await RunAttemptAsync(spec, instance);
                    if (result is null)
                    {
                        await BeforeReleaseOnInterruptionAsync(spec, instance, _interruption!);
                    }
                }
                finally
                {
                    await ReleaseInstanceAsync(spec, instance);
                    _instance = null;
                }

                if (result is not null)
                {
                    await EndAttemptAsync(result.Reason ?? "done", null);
                    return result;
                }

                var notice = _interruption!;
                _interruption = null;
                _progressed = true;
                await EndAttemptAsync(FailureReason.Interruption, notice.Message);
                Note($"interrupted ({notice.Source}): {notice.Message}");
                if ((spec.RetryOnEvents.Count > 0 && !spec.RetryOnEvents.Contains(FailureReason.Interruption, StringComparer.Ordinal)) || _attempt >= MaxAttempts)
                {
                    return await FinishAsync(RunStatus.Failed, FailureReason.Interruption, $"The {instance.Offer.Region} {instance.Offer.InstanceType} spot instance was interrupted: {notice.Message}", null);
                }

                // The next machine comes from another region when there is one; the job's log goes on after what is stored.
                _blockedRegions.Add($"{instance.Backend}/{instance.Offer.Region}");
                _logOffset = await Workflow.ExecuteLocalActivityAsync((CloudActivities a) => a.LogEndAsync(spec.RunName), Step(QuickActivity));
                _attempt++;
                await SetStatusAsync(RunStatus.Interrupted);
            }
        }
        finally
        {
            // A launch whose answer never came (the run was cancelled meanwhile) may have made a machine all the same.
            if (_provisioning is { } pending)
            {
                using var detached = new CancellationTokenSource();
                await Workflow.ExecuteActivityAsync((CloudActivities a) => a.ReleaseByClientTokenAsync(pending), ReleaseOptions(detached.Token));
            }
        }
    }

    /// <summary>
    /// Between noticing an interruption and releasing the machine: a last sync of the <c>mount: true</c> artifacts (the
    /// checkpoint) while the machine still answers. Short, and never fatal: the run goes on to its next attempt with
    /// whatever the periodic syncs saved.
    /// </summary>
    private async Task BeforeReleaseOnInterruptionAsync(RunSpec spec, Instance instance, InterruptionNotice notice)
    {
        if (!spec.Artifacts.Any(a => a.Mount))
        {
            return;
        }

        var job = new JobInput(spec, instance, _attempt);
        try
        {
            var synced = await Workflow.ExecuteActivityAsync((RunActivities a) => a.SyncMountsBeforeReleaseAsync(job), Step(LastSyncActivity));
            Note($"checkpoint synced before the {notice.Source} interruption ({synced} files changed)");
        }
        catch (ActivityFailureException e)
        {
            Note($"checkpoint not synced before the interruption: {e.InnerException?.Message ?? e.Message}");
        }
    }

    /// <summary>Whether the run waits for capacity (within <c>retry.duration</c>) instead of failing with <c>no-capacity</c>.</summary>
    private static bool RetriesNoCapacity(RunSpec spec) =>
        spec.RetryDuration is not null && (spec.RetryOnEvents.Count == 0 || spec.RetryOnEvents.Contains(FailureReason.NoCapacity, StringComparer.Ordinal));

    /// <summary>
    /// Provisions the first offer with capacity, backing off between rounds within <c>retry.duration</c>. Every round but
    /// the run's very first searches the offers again: busy hosts free up, spot prices move, an empty list fills.
    /// </summary>
    private async Task<(Instance? Instance, RunResult? Early)> AcquireAsync(RunSpec spec)
    {
        var retry = RetriesNoCapacity(spec);
        if (!_resumeAcquire)
        {
            _round = 1;
            _retryDeadline = retry ? Workflow.UtcNow + spec.RetryDuration!.Value : Workflow.UtcNow;
            _backoff = FirstBackoff;
        }

        _resumeAcquire = false;
        for (; ; _round++)
        {
            // Runs started before this check existed replay without it (Workflow.Patched is false in their histories).
            if (Workflow.Patched(ContinueAsNewPatch))
            {
                if (StopWanted || _abortRequested)
                {
                    return (null, await StoppedBeforeStartAsync());
                }

                if (ShouldContinueAsNew)
                {
                    throw ContinueAsNew(spec);
                }
            }

            var search = _offers ?? await Workflow.ExecuteLocalActivityAsync(
                (RunActivities a) => a.FindOffersAsync(new FindOffersInput(spec.Resources, spec.Backends, spec.MaxPrice, spec.SpotPolicy, spec.Regions)), Step(QuickActivity));
            _offers = null;
            foreach (var offer in search.Offers.Where(o => !o.Spot))
            {
                _onDemandPrices[OfferKey(offer)] = offer.PricePerHour;
            }

            if (search.Offers.Count == 0)
            {
                var why = search.Rejections.Count > 0 ? string.Join("; ", search.Rejections) : "no backend is configured";
                _capacityErrors.Add($"no offer: {why}");
                Note($"no offer available: {why}");
            }

            var candidates = Candidates(spec, search.Offers);
            for (var i = 0; i < candidates.Count; i++)
            {
                if (StopWanted || _abortRequested)
                {
                    return (null, await StoppedBeforeStartAsync());
                }

                var offer = candidates[i];
                var input = new ProvisionInput(offer, string.Create(CultureInfo.InvariantCulture, $"{spec.RunName}-{_attempt}-{_round}-{i}"), spec.RunName);
                _provisioning = input;
                try
                {
                    var instance = await Workflow.ExecuteActivityAsync((RunActivities a) => a.ProvisionAsync(input), Step(ProvisionActivity));
                    return (instance, null);
                }
                catch (ActivityFailureException e)
                {
                    // No capacity is the expected failure; any other (a bad image, credentials) also moves on to the next offer.
                    _provisioning = null;
                    var cause = e.InnerException is ApplicationFailureException { ErrorType: FailureReason.NoCapacity } noCapacity ? noCapacity.Message : $"error: {e.InnerException?.Message ?? e.Message}";
                    _capacityErrors.Add($"{offer.Backend}/{offer.Region}/{offer.InstanceType}{(offer.Spot ? " (spot)" : string.Empty)}: {cause}");
                    Note($"no capacity: {offer.Region} {offer.InstanceType}{(offer.Spot ? " spot" : string.Empty)}");
                }
            }

            var left = _retryDeadline - Workflow.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                var tried = string.Join("; ", _capacityErrors.TakeLast(10));
                var message = retry
                    ? $"No capacity for any offer within retry.duration ({spec.RetryDuration}): {tried}"
                    : $"No backend had capacity for any offer: {tried}";
                return (null, await FinishAsync(RunStatus.Failed, FailureReason.NoCapacity, message, null));
            }

            var wait = _backoff < left ? _backoff : left;
            Note($"no capacity anywhere; trying again in {wait.TotalSeconds:0} s");
            await Workflow.WaitConditionAsync(() => StopWanted || _abortRequested, wait, StepToken);
            _backoff = _backoff * 2 < MaxBackoff ? _backoff * 2 : MaxBackoff;
            _progressed = true;
        }
    }

    /// <summary>
    /// The offers to try, in order: outside blocked regions when any are left; spot before on-demand (the policy already
    /// removed what it does not allow); cheapest first within each.
    /// </summary>
    private List<InstanceOffer> Candidates(RunSpec spec, IReadOnlyList<InstanceOffer> offers)
    {
        var open = offers.Where(o => !_blockedRegions.Contains($"{o.Backend}/{o.Region}")).ToList();
        var usable = open.Count > 0 ? open : [.. offers];
        var ordered = spec.SpotPolicy == SpotPolicy.Auto ? usable.OrderBy(o => o.Spot ? 0 : 1).ToList() : usable;
        return [.. ordered.Take(OffersPerRound)];
    }

    private async Task<RunResult> StoppedBeforeStartAsync() => _abortRequested
        ? await FinishAsync(RunStatus.Aborted, FailureReason.AbortedByUser, "Aborted before the job started.", null)
        : await FinishAsync(RunStatus.Stopped, FailureReason.StoppedByUser, _stopRequested ? "Stopped before the job started." : $"Stopped before the job started: {CancelStop}.", null);

    /// <summary>Runs the job on one machine: the result, or null when the machine was interrupted.</summary>
    private async Task<RunResult?> RunAttemptAsync(RunSpec spec, Instance instance)
    {
        _manifest = _manifest with
        {
            Backend = instance.Backend,
            InstanceType = instance.Offer.InstanceType,
            Region = instance.Offer.Region,
            PricePerHour = instance.Offer.PricePerHour,
        };
        Workflow.UpsertTypedSearchAttributes(DstackSearchAttributes.Backend.ValueSet(instance.Backend));
        if (StopWanted || _abortRequested)
        {
            // A stop that came while the machine was being launched: it is released unused.
            return await StoppedBeforeStartAsync();
        }

        try
        {
            return await RunJobAsync(spec, instance);
        }
        catch (ActivityFailureException e)
        {
            if (await InterruptedAsync(instance))
            {
                return null;
            }

            // A step failed for good (retries exhausted or a non-retryable error): the run failed, and its manifest and
            // the user must say why; the machine is still released.
            var cause = e.InnerException?.Message ?? e.Message;
            return await FinishAsync(RunStatus.Failed, FailureReason.Error, $"{e.ActivityType ?? "a step"} failed: {cause}", null);
        }
    }

    /// <summary>Asks the cloud once whether a spot machine was taken back (after a step on it failed).</summary>
    private async Task<bool> InterruptedAsync(Instance instance)
    {
        if (!instance.Offer.Spot)
        {
            return false;
        }

        _interruption = await Workflow.ExecuteActivityAsync((CloudActivities a) => a.CheckInterruptionAsync(instance), Step(ShortActivity));
        _interruptedAt = Workflow.UtcNow;
        return _interruption is not null;
    }

    /// <summary>Starts watching a spot machine for an interruption notice; null for machines that cannot be interrupted.</summary>
    private static Task<InterruptionNotice>? WatchInterruptionAsync(JobInput job, CancellationToken cancellationToken)
    {
        if (!job.Instance.Offer.Spot)
        {
            return null;
        }

        var options = (ActivityOptions)WatchActivity.Clone();
        options.CancellationToken = cancellationToken;
        return Workflow.ExecuteActivityAsync((CloudActivities a) => a.WatchInterruptionAsync(job), options);
    }

    /// <summary>Waits for a cancelled activity to end, whichever way it ends.</summary>
    private static async Task SettleAsync(Task activity)
    {
        try
        {
            // The activity was started by this workflow; awaiting it here is the workflow's own scheduling.
#pragma warning disable VSTHRD003
            await activity;
#pragma warning restore VSTHRD003
        }
        catch (Exception e) when (e is ActivityFailureException or CanceledFailureException or OperationCanceledException)
        {
            // Cancelled on purpose.
        }
    }

    /// <summary>Removes the job's leftovers and releases the machine, even when the run is being cancelled.</summary>
    private async Task ReleaseInstanceAsync(RunSpec spec, Instance instance)
    {
        using var detached = new CancellationTokenSource();
        var cleanup = ReleaseOptions(detached.Token);

        // A connection lost on the way is tried again on a new one; a host the run already found unreachable gets one try.
        var attempts = _manifest.Reason == FailureReason.InstanceUnreachable ? 1 : 3;
        cleanup.RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(30), MaximumAttempts = attempts };
        var job = new JobInput(spec, instance, _attempt);
        if (_interruption is null)
        {
            try
            {
                await Workflow.ExecuteActivityAsync((RunActivities a) => a.CleanUpJobAsync(job), cleanup);
            }
            catch (ActivityFailureException e)
            {
                // The machine is released below all the same; a cloud machine takes its leftovers with it, and the
                // attempt's record in the manifest says what another machine keeps.
                _leftover = $"the job folder ({e.InnerException?.Message ?? e.Message})";
                Note($"job folder not removed: {e.InnerException?.Message ?? e.Message}");
            }
        }

        await Workflow.ExecuteActivityAsync((RunActivities a) => a.ReleaseAsync(instance), ReleaseOptions(detached.Token));
    }

    /// <summary>Releasing is retried without limit: giving up would leak a machine.</summary>
    private static ActivityOptions ReleaseOptions(CancellationToken token) => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(5),
        CancellationToken = token,
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(30) },
    };

    private void StartAttempt(Instance instance)
    {
        var attempt = new RunAttempt
        {
            Number = _attempt,
            Backend = instance.Backend,
            Region = instance.Offer.Region,
            InstanceType = instance.Offer.InstanceType,
            InstanceId = instance.InstanceId,
            Spot = instance.Offer.Spot,
            PricePerHour = instance.Offer.PricePerHour,
            OnDemandPricePerHour = instance.Offer.Spot ? _onDemandPrices.GetValueOrDefault(OfferKey(instance.Offer)) : instance.Offer.PricePerHour,
            StartedAt = Workflow.UtcNow,
        };
        _manifest = _manifest with { Attempts = [.. _manifest.Attempts, attempt] };
    }

    private async Task EndAttemptAsync(string outcome, string? interruption)
    {
        var attempts = _manifest.Attempts.ToList();
        attempts[^1] = attempts[^1] with { EndedAt = Workflow.UtcNow, Outcome = outcome, Interruption = interruption, InterruptedAt = interruption is null ? null : _interruptedAt, Leftover = _leftover };
        _leftover = null;
        _manifest = _manifest with { Attempts = attempts };
        var manifest = _manifest;
        await Workflow.ExecuteLocalActivityAsync((RunActivities a) => a.WriteManifestAsync(manifest), Step(QuickActivity));
    }

    private static string OfferKey(InstanceOffer offer) => $"{offer.Backend}/{offer.Region}/{offer.InstanceType}";
}
