using System.Globalization;
using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Attempts;
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

    /// <summary>The patch that releases, by its client token, a launch that failed other than for capacity.</summary>
    private const string ReleaseFailedLaunchPatch = "release-failed-launch";

    /// <summary>The patch after which a slot of a machine with fixed slots is claimed by a local activity.</summary>
    private const string ClaimLocallyPatch = "claim-slot-locally";

    /// <summary>The patch after which the job's clean-up and the machine's release are one activity (<see cref="MachineRelease"/>).</summary>
    private const string ReleaseWithCleanUpPatch = "release-with-clean-up";

    /// <summary>
    /// The patch after which the release of a slot of a machine with fixed slots (the job's clean-up and the claim's
    /// removal, one command on the host) is a local activity, as its claim is: the queue hears of the freed slot in the
    /// same workflow task, with no task queue round trip and no workflow task of its own before it (benchmarks/README.md,
    /// ScaleBenchmark). A cloud machine's release (its termination) stays an activity of its own.
    /// </summary>
    private const string ReleaseLocallyPatch = "release-slot-locally";

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    // Launching waits for the machine to boot and answer SSH, minutes on a cloud.
    private static readonly ActivityOptions ProvisionActivity = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(15),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(10), MaximumAttempts = 5 },
    };

    // Claiming a slot of a machine dstack has: one command on a host it already knows, or none on this machine.
    private static readonly LocalActivityOptions ClaimActivity = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(2),
        RetryPolicy = ProvisionActivity.RetryPolicy,
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

    private CapacitySearch _search = CapacitySearch.None;
    private ProvisionInput? _provisioning;
    private long _logOffset;

    /// <summary>
    /// Attempts until one finishes the run. <paramref name="offers"/> are the first round's, when the run has just
    /// searched; <paramref name="resumed"/> is the search a continued run carried on.
    /// </summary>
    private async Task<RunResult> RunAttemptsAsync(RunSpec spec, FindOffersResult? offers, CapacitySearch? resumed)
    {
        try
        {
            while (true)
            {
                await SetStatusAsync(RunStatus.Provisioning);
                var capacity = await AcquireAsync(spec, offers, resumed);
                (offers, resumed) = (null, null);
                if (capacity is CapacityOutcome.Ended { Result: var early })
                {
                    return early;
                }

                var instance = ((CapacityOutcome.Acquired)capacity).Instance;
                _instance = instance;
                _provisioning = null;
                StartAttempt(instance);
                AttemptOutcome? outcome = null;
                string? leftover;
                try
                {
                    outcome = await RunAttemptAsync(spec, instance);
                    if (outcome is AttemptOutcome.Interrupted interrupted)
                    {
                        await BeforeReleaseOnInterruptionAsync(spec, instance, interrupted.Notice);
                    }
                }
                finally
                {
                    // An interrupted machine is going away with its job folder: only released.
                    leftover = await ReleaseInstanceAsync(spec, instance, cleanUp: outcome is not AttemptOutcome.Interrupted);
                    _instance = null;
                    await SignalFreedAsync(instance);
                }

                if (outcome is AttemptOutcome.Finished { Result: var result })
                {
                    await EndAttemptAsync(result.Reason ?? "done", null, leftover);
                    return result;
                }

                var interruption = (AttemptOutcome.Interrupted)outcome!;
                var notice = interruption.Notice;
                _progressed = true;
                await EndAttemptAsync(FailureReason.Interruption, interruption, leftover);
                Note($"interrupted ({notice.Source}): {notice.Message}");
                if ((spec.RetryOnEvents.Count > 0 && !spec.RetryOnEvents.Contains(FailureReason.Interruption, StringComparer.Ordinal)) || _attempt >= MaxAttempts)
                {
                    return await FinishAsync(RunStatus.Failed, FailureReason.Interruption, $"The {instance.Offer.Region} {instance.Offer.InstanceType} spot instance was interrupted: {notice.Message}", null);
                }

                // The next machine comes from another region when there is one; the job's log goes on after what is stored.
                _search = _search.Block(instance);
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
                await ReleaseByClientTokenAsync(pending);
            }

            await SettleSignalsAsync();
        }
    }

    /// <summary>Releases whatever machine a launch made under its client token (a cloud's; nothing elsewhere), even when the run is being cancelled.</summary>
    private static async Task ReleaseByClientTokenAsync(ProvisionInput launch)
    {
        using var detached = new CancellationTokenSource();
        await Workflow.ExecuteActivityAsync((CloudActivities a) => a.ReleaseByClientTokenAsync(launch), ReleaseOptions(detached.Token));
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

    /// <summary>Finds capacity (<see cref="SearchCapacityAsync"/>); out of the capacity queue, whatever the outcome.</summary>
    private async Task<CapacityOutcome> AcquireAsync(RunSpec spec, FindOffersResult? offers, CapacitySearch? resumed)
    {
        try
        {
            var outcome = await SearchCapacityAsync(spec, offers, resumed);
            if (_queued && outcome is CapacityOutcome.Acquired)
            {
                await LeaveQueueAsync();
                await SetStatusAsync(RunStatus.Provisioning);
            }

            return outcome;
        }
        finally
        {
            await LeaveQueueAsync();
            await HandBackWakesAsync();
        }
    }

    /// <summary>
    /// Provisions the first offer with capacity within <c>retry.duration</c>: between rounds, waiting in the capacity queue
    /// when only machines with fixed slots can run it (RunWorkflow.Queue), else backing off. Every round but the run's very
    /// first searches the offers again: busy hosts free up, spot prices move, an empty list fills.
    /// </summary>
    private async Task<CapacityOutcome> SearchCapacityAsync(RunSpec spec, FindOffersResult? offers, CapacitySearch? resumed)
    {
        var retry = RetriesNoCapacity(spec);
        _search = resumed ?? _search.Restart(retry ? Workflow.UtcNow + spec.RetryDuration!.Value : Workflow.UtcNow, FirstBackoff);
        for (; ; _search = _search.NextRound(MaxBackoff))
        {
            // Runs started before this check existed replay without it (Workflow.Patched is false in their histories).
            if (Workflow.Patched(ContinueAsNewPatch))
            {
                if (StopWanted || _abortRequested)
                {
                    return new CapacityOutcome.Ended(await StoppedBeforeStartAsync());
                }

                if (ShouldContinueAsNew)
                {
                    // The continued run joins again under the same workflow ID, which keeps its place in the queue.
                    _queued = false;
                    throw ContinueAsNew(spec);
                }
            }

            var found = offers ?? await SearchOffersAsync(spec);
            offers = null;
            NoteFixedSlots(found);
            _search = _search.WithOnDemandPrices(found.Offers);
            if (found.Offers.Count == 0)
            {
                var why = found.Rejections.Count > 0 ? string.Join("; ", found.Rejections) : "no backend is configured";
                if (found.FitsNowhere && Workflow.Patched(CapacityQueuePatch))
                {
                    // Nothing to wait for: no machine could run it even when free, and no cloud to ask again.
                    return new CapacityOutcome.Ended(await FinishAsync(RunStatus.Failed, FailureReason.NoCapacity, NoOfferMessage(spec, why), null));
                }

                _search = _search.Failed($"no offer: {why}");
                Note($"no offer available: {why}");
            }

            var candidates = Candidates(spec, found.Offers);
            for (var i = 0; i < candidates.Count; i++)
            {
                if (StopWanted || _abortRequested)
                {
                    return new CapacityOutcome.Ended(await StoppedBeforeStartAsync());
                }

                var offer = candidates[i];
                var input = new ProvisionInput(offer, string.Create(CultureInfo.InvariantCulture, $"{spec.RunName}-{_attempt}-{_search.Round}-{i}"), spec.RunName);
                _provisioning = input;
                try
                {
                    var instance = await ProvisionOrClaimAsync(input);
                    return new CapacityOutcome.Acquired(instance);
                }
                catch (FailureException e) when (IsActivityFailure(e))
                {
                    // No capacity is the expected failure; any other (a bad image, credentials) also moves on to the next offer.
                    var failure = ActivityCause(e);
                    var noCapacity = failure is ApplicationFailureException { ErrorType: FailureReason.NoCapacity };
                    if (!noCapacity && Workflow.Patched(ReleaseFailedLaunchPatch))
                    {
                        // A launch that failed some other way (timed out, its worker lost for good) may have made a machine.
                        await ReleaseByClientTokenAsync(input);
                    }

                    _provisioning = null;
                    var cause = noCapacity ? failure.Message : $"error: {failure.Message}";
                    _search = _search.Failed($"{offer.Backend}/{offer.Region}/{offer.InstanceType}{(offer.Spot ? " (spot)" : string.Empty)}: {cause}");
                    Note($"no capacity: {offer.Region} {offer.InstanceType}{(offer.Spot ? " spot" : string.Empty)}");
                }
            }

            var left = _search.RetryDeadline - Workflow.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                var tried = string.Join("; ", _search.CapacityErrors);
                var message = retry
                    ? $"No capacity for any offer within retry.duration ({spec.RetryDuration}): {tried}"
                    : $"No backend had capacity for any offer: {tried}";
                return new CapacityOutcome.Ended(await FinishAsync(RunStatus.Failed, FailureReason.NoCapacity, message, null));
            }

            if (found.Queues && Workflow.Patched(CapacityQueuePatch))
            {
                offers = await QueueRoundAsync(spec, left);
                _progressed = true;
                continue;
            }

            var wait = _search.Backoff < left ? _search.Backoff : left;
            Note($"no capacity anywhere; trying again in {wait.TotalSeconds:0} s");
            await Workflow.WaitConditionAsync(() => StopWanted || _abortRequested, wait, StepToken);
            _progressed = true;
        }
    }

    /// <summary>
    /// Launches a machine, or claims a slot of one dstack has (an SSH host's block, this machine's): a claim is one quick
    /// command, run as a local activity so that a woken run's claim costs no task queue round trip and no workflow task
    /// of its own (benchmarks/README.md, ScaleBenchmark).
    /// </summary>
    private Task<Instance> ProvisionOrClaimAsync(ProvisionInput input) =>
        _fixedSlotBackends.Contains(input.Offer.Backend) && Workflow.Patched(ClaimLocallyPatch)
            ? Workflow.ExecuteLocalActivityAsync((RunActivities a) => a.ProvisionAsync(input), Step(ClaimActivity))
            : Workflow.ExecuteActivityAsync((RunActivities a) => a.ProvisionAsync(input), Step(ProvisionActivity));

    /// <summary>
    /// Asks every backend for offers. A search that fails for good (its retries spent: hosts overloaded, connections
    /// refused) ends a waiting run's round, not the run: it is one more round without capacity, and the run looks again.
    /// </summary>
    private async Task<FindOffersResult> SearchOffersAsync(RunSpec spec)
    {
        try
        {
            return await Workflow.ExecuteLocalActivityAsync(
                (RunActivities a) => a.FindOffersAsync(new FindOffersInput(spec.Resources, spec.Backends, spec.MaxPrice, spec.SpotPolicy, spec.Regions)), Step(QuickActivity));
        }
        catch (FailureException e) when (IsActivityFailure(e) && (_queued || _fixedSlotBackends.Count > 0))
        {
            if (!Workflow.Patched(CapacityQueuePatch))
            {
                throw;
            }

            var why = $"the search for offers failed: {ActivityCause(e).Message}";
            Note(why);
            return new FindOffersResult([], [why], 1, false, [.. _fixedSlotBackends]);
        }
    }

    /// <summary>
    /// Whether <paramref name="e"/> is how an activity failed: wrapped in an activity failure, or, from a local activity
    /// that failed for good at once (a non-retryable application failure, a timeout), the failure itself.
    /// </summary>
    private static bool IsActivityFailure(FailureException e) => e is ActivityFailureException or ApplicationFailureException or TimeoutFailureException;

    /// <summary>What made an activity fail (<see cref="IsActivityFailure"/>).</summary>
    private static Exception ActivityCause(FailureException e) => e is ActivityFailureException { InnerException: { } cause } ? cause : e;

    /// <summary>Why a run that no offer satisfies fails, with each backend's reason.</summary>
    private static string NoOfferMessage(RunSpec spec, string why) => $"No offer satisfies the resources asked for ({spec.Resources.Summary}): {why}";

    /// <summary>
    /// The offers to try, in order: outside blocked regions when any are left; spot before on-demand (the policy already
    /// removed what it does not allow); cheapest first within each.
    /// </summary>
    private List<InstanceOffer> Candidates(RunSpec spec, IReadOnlyList<InstanceOffer> offers)
    {
        var open = offers.Where(o => !_search.IsBlocked(o)).ToList();
        var usable = open.Count > 0 ? open : [.. offers];
        var ordered = spec.SpotPolicy == SpotPolicy.Auto ? usable.OrderBy(o => o.Spot ? 0 : 1).ToList() : usable;
        return [.. ordered.Take(OffersPerRound)];
    }

    private async Task<RunResult> StoppedBeforeStartAsync() => _abortRequested
        ? await FinishAsync(RunStatus.Aborted, FailureReason.AbortedByUser, "Aborted before the job started.", null)
        : await FinishAsync(RunStatus.Stopped, FailureReason.StoppedByUser, _stopRequested ? "Stopped before the job started." : $"Stopped before the job started: {CancelStop}.", null);

    /// <summary>Runs the job on one machine.</summary>
    private async Task<AttemptOutcome> RunAttemptAsync(RunSpec spec, Instance instance)
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
            return new AttemptOutcome.Finished(await StoppedBeforeStartAsync());
        }

        try
        {
            return await RunJobAsync(spec, instance);
        }
        catch (ActivityFailureException e)
        {
            if (await InterruptedAsync(instance) is { } interrupted)
            {
                return interrupted;
            }

            // A step failed for good (retries exhausted or a non-retryable error): the run failed, and its manifest and
            // the user must say why; the machine is still released.
            var cause = e.InnerException?.Message ?? e.Message;
            return await FinishedAsync(RunStatus.Failed, FailureReason.Error, $"{e.ActivityType ?? "a step"} failed: {cause}", null);
        }
    }

    /// <summary>Asks the cloud once whether a spot machine was taken back (after a step on it failed); null when it was not.</summary>
    private async Task<AttemptOutcome.Interrupted?> InterruptedAsync(Instance instance)
    {
        if (!instance.Offer.Spot)
        {
            return null;
        }

        var notice = await Workflow.ExecuteActivityAsync((CloudActivities a) => a.CheckInterruptionAsync(instance), Step(ShortActivity));
        return notice is null ? null : new AttemptOutcome.Interrupted(notice, Workflow.UtcNow);
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

    /// <summary>
    /// Removes the job's leftovers (when <paramref name="cleanUp"/>) and releases the machine, even when the run is being
    /// cancelled; says what could not be removed, or null.
    /// </summary>
    private async Task<string?> ReleaseInstanceAsync(RunSpec spec, Instance instance, bool cleanUp)
    {
        using var detached = new CancellationTokenSource();

        // A connection lost on the way is tried again on a new one; a host the run already found unreachable gets one try.
        var attempts = _manifest.Reason == FailureReason.InstanceUnreachable ? 1 : 3;
        var job = new JobInput(spec, instance, _attempt);
        string? leftover = null;
        if (Workflow.Patched(ReleaseWithCleanUpPatch))
        {
            var release = new ReleaseInput(job, cleanUp, attempts);
            var released = _fixedSlotBackends.Contains(instance.Backend) && Workflow.Patched(ReleaseLocallyPatch)
                ? await Workflow.ExecuteLocalActivityAsync((RunActivities a) => a.CleanUpAndReleaseAsync(release), LocalReleaseOptions(detached.Token))
                : await Workflow.ExecuteActivityAsync((RunActivities a) => a.CleanUpAndReleaseAsync(release), ReleaseOptions(detached.Token));
            if (released.Leftover is { } left)
            {
                Note($"job folder not removed: {left}");
                return $"the job folder ({left})";
            }

            return null;
        }

        if (cleanUp)
        {
            var cleanup = ReleaseOptions(detached.Token);
            cleanup.RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(30), MaximumAttempts = attempts };
            try
            {
                await Workflow.ExecuteActivityAsync((RunActivities a) => a.CleanUpJobAsync(job), cleanup);
            }
            catch (ActivityFailureException e)
            {
                // The machine is released below all the same; a cloud machine takes its leftovers with it, and the
                // attempt's record in the manifest says what another machine keeps.
                leftover = $"the job folder ({e.InnerException?.Message ?? e.Message})";
                Note($"job folder not removed: {e.InnerException?.Message ?? e.Message}");
            }
        }

        await Workflow.ExecuteActivityAsync((RunActivities a) => a.ReleaseAsync(instance), ReleaseOptions(detached.Token));
        return leftover;
    }

    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Releasing is retried without limit: giving up would leak a machine.</summary>
    private static RetryPolicy ReleaseRetry => new() { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(30) };

    private static ActivityOptions ReleaseOptions(CancellationToken token) =>
        new() { StartToCloseTimeout = ReleaseTimeout, CancellationToken = token, RetryPolicy = ReleaseRetry };

    private static LocalActivityOptions LocalReleaseOptions(CancellationToken token) =>
        new() { StartToCloseTimeout = ReleaseTimeout, CancellationToken = token, RetryPolicy = ReleaseRetry };

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
            OnDemandPricePerHour = instance.Offer.Spot ? _search.OnDemandPrice(instance.Offer) : instance.Offer.PricePerHour,
            StartedAt = Workflow.UtcNow,
        };
        _manifest = _manifest with { Attempts = [.. _manifest.Attempts, attempt] };
    }

    private async Task EndAttemptAsync(string outcome, AttemptOutcome.Interrupted? interruption, string? leftover)
    {
        var attempts = _manifest.Attempts.ToList();
        attempts[^1] = attempts[^1] with { EndedAt = Workflow.UtcNow, Outcome = outcome, Interruption = interruption?.Notice.Message, InterruptedAt = interruption?.At, Leftover = leftover };
        _manifest = _manifest with { Attempts = attempts };
        var manifest = _manifest;
        await Workflow.ExecuteLocalActivityAsync((RunActivities a) => a.WriteManifestAsync(manifest), Step(QuickActivity));
    }
}
