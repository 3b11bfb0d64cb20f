using Dstack.Core.Backends;
using Dstack.Core.Environments;
using Dstack.Core.Runs;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Attempts;
using Dstack.Workflows.Contracts;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Dstack.Workflows;

/// <summary>
/// One run: offers → capacity → release registered first → bootstrap → execute → persist (docs/architecture.md#the-path-of-a-run).
/// The run name is the workflow ID. Signals <c>stop</c> and <c>abort</c>; query <c>status</c>.
/// </summary>
[Workflow(Name)]
public sealed partial class RunWorkflow
{
    /// <summary>The workflow type name, as the CLI and the Temporal Web UI see it.</summary>
    public const string Name = "RunWorkflow";

    // Short steps get a short start-to-close: an attempt lost with its worker (or with a restarted server) is
    // retried after this long, so it bounds how long a crash can stall a run.
    private static readonly ActivityOptions ShortActivity = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(2),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(200), MaximumInterval = TimeSpan.FromSeconds(10), MaximumAttempts = 10 },
    };

    /// <summary>Quick bookkeeping (manifests, offer lists) runs as local activities: no task queue round trip per step.</summary>
    private static readonly LocalActivityOptions QuickActivity = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(1),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(200), MaximumInterval = TimeSpan.FromSeconds(10), MaximumAttempts = 10 },
    };

    private static readonly ActivityOptions ExecuteActivity = new()
    {
        StartToCloseTimeout = TimeSpan.FromDays(30),
        HeartbeatTimeout = TimeSpan.FromSeconds(10),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(200), MaximumInterval = TimeSpan.FromSeconds(5) },
    };

    /// <summary>
    /// The patch after which the job activity prepares the job before starting it: no preparation activity, and no
    /// workflow task between it and the start (benchmarks/README.md, ScaleBenchmark). A stop that comes while it prepares
    /// leaves a mark on the machine that keeps the job from starting (JobRunner.StopAsync).
    /// </summary>
    private const string PrepareInExecutePatch = "prepare-in-execute";

    private readonly List<string> _events = [];
    private RunManifest _manifest = null!;
    private Instance? _instance;
    private int _attempt = 1;
    private bool _stopRequested;
    private bool _abortRequested;
    private bool _stopSent;

    /// <summary>Runs the workflow.</summary>
    [WorkflowRun]
    public async Task<RunResult> RunAsync(RunWorkflowInput input)
    {
        // Decided once, first: runs started before the patch keep tearing down on a cancellation all through their replay.
        _cancelAsStop = Workflow.Patched(CancelAsStopPatch);
        WatchForCancellation();
        return EndAsCanceledIfStopped(await RunToEndAsync(input));
    }

    private async Task<RunResult> RunToEndAsync(RunWorkflowInput input)
    {
        var spec = input.Spec;
        _attempt = input.Attempt;
        _ownLookAfter = input.OwnLookAfter;
        if (input.Continuation is { } carried)
        {
            // A continued run: its inputs were resolved and its status written before; the capacity search goes on.
            Restore(carried);
            return await RunAttemptsAsync(carried.Manifest.Spec, null, carried.Search);
        }

        _manifest = new RunManifest { Spec = spec };
        await SetStatusAsync(RunStatus.Submitted);
        if (spec.Deps.Count > 0 || spec.Secrets.Count > 0 || spec.Tag is not null)
        {
            // Before any machine is asked for: a missing dependency or secret fails the run here, naming it.
            var inputs = await Workflow.ExecuteLocalActivityAsync((RunActivities a) => a.ResolveInputsAsync(spec), Step(QuickActivity));
            if (inputs.Problem is { } problem)
            {
                return await FinishAsync(RunStatus.Failed, FailureReason.Config, problem, null);
            }

            spec = spec with { Deps = inputs.Deps };
            _manifest = _manifest with { Spec = spec };
        }

        var offers = await Workflow.ExecuteLocalActivityAsync(
            (RunActivities a) => a.FindOffersAsync(new FindOffersInput(spec.Resources, spec.Backends, spec.MaxPrice, spec.SpotPolicy, spec.Regions)), Step(QuickActivity));
        if (offers.Offers.Count == 0 && !RetriesNoCapacity(spec))
        {
            var why = offers.Rejections.Count > 0 ? string.Join("; ", offers.Rejections) : "no backend is configured";
            return await FinishAsync(RunStatus.Failed, FailureReason.NoCapacity, NoOfferMessage(spec, why), null);
        }

        // Capacity, then the job, once per machine: an interrupted spot machine is replaced (RunWorkflow.Attempts). With a
        // no-capacity retry policy, no offer now (every host busy) is waited out like a launch without capacity.
        return await RunAttemptsAsync(spec, offers, null);
    }

    /// <summary>Stops the job gracefully; its artifacts are still uploaded.</summary>
    [WorkflowSignal("stop")]
    public Task StopAsync()
    {
        _stopRequested = true;
        return Task.CompletedTask;
    }

    /// <summary>Kills the job now; nothing is uploaded.</summary>
    [WorkflowSignal("abort")]
    public Task AbortAsync()
    {
        _abortRequested = true;
        return Task.CompletedTask;
    }

    /// <summary>Gets where the run is now.</summary>
    [WorkflowQuery("status")]
    public RunProgress Status => new(
        _manifest?.Status ?? RunStatus.Submitted,
        _attempt,
        _instance?.Backend,
        _instance?.Offer.InstanceType,
        _instance?.Offer.Region,
        _instance?.Offer.PricePerHour,
        [.. _events],
        _manifest?.Attempts);

    /// <summary>Gets the machine the run holds, or null before it has one; the CLI forwards dev environment ports from it.</summary>
    [WorkflowQuery("instance")]
    public Instance? CurrentInstance => _instance;

    /// <summary>Runs the job on the machine, until it ends or the cloud interrupts the machine.</summary>
    private async Task<AttemptOutcome> RunJobAsync(RunSpec spec, Instance instance)
    {
        var job = new JobInput(spec, instance, _attempt, _logOffset);
        if (Workflow.Patched(PrepareInExecutePatch))
        {
            // The job activity prepares the job itself; the environment's key is the recipe's, known from the spec.
            job = job with { Prepare = true };
            _manifest = _manifest with { EnvironmentHash = EnvironmentRecipe.FromSpec(spec).Key, StartedAt = Workflow.UtcNow };
        }
        else
        {
            var prepared = await Workflow.ExecuteActivityAsync((RunActivities a) => a.PrepareJobAsync(job), Step(ShortActivity));
            _manifest = _manifest with { EnvironmentHash = prepared.EnvironmentHash, StartedAt = Workflow.UtcNow };
            if (_abortRequested)
            {
                return await FinishedAsync(RunStatus.Aborted, FailureReason.AbortedByUser, "Aborted before the job started.", null);
            }

            if (_cancelAsStop && StopWanted)
            {
                // Not started and then stopped: a stop sent in the same breath as the start may reach the machine first, find
                // no job to stop, and let it run to its end.
                return new AttemptOutcome.Finished(await StoppedBeforeStartAsync());
            }
        }

        await SetStatusAsync(RunStatus.Running);
        using var executionScope = CancellationTokenSource.CreateLinkedTokenSource(StepToken);
        var executeOptions = (ActivityOptions)ExecuteActivity.Clone();
        executeOptions.CancellationToken = executionScope.Token;

        // A cancelled attempt must have stopped writing the log before the next attempt reads where the log ends.
        executeOptions.CancellationType = ActivityCancellationType.WaitCancellationCompleted;
        var execution = Workflow.ExecuteActivityAsync((RunActivities a) => a.ExecuteJobAsync(job), executeOptions);
        using var watchScope = CancellationTokenSource.CreateLinkedTokenSource(StepToken);
        var watch = WatchInterruptionAsync(job, watchScope.Token);
        var maxDuration = spec.MaxDuration is { } limit ? Workflow.DelayAsync(limit, StepToken) : null;
        var timedOut = false;
        while (!execution.IsCompleted)
        {
            var stopWanted = Workflow.WaitConditionAsync(() => (StopWanted || _abortRequested) && !_stopSent, StepToken);
            var racing = new List<Task> { execution, stopWanted };
            racing.AddRange(new[] { maxDuration, watch }.OfType<Task>());
            var winner = await Workflow.WhenAnyAsync(racing);
            if (winner == execution)
            {
                break;
            }

            if (winner == watch)
            {
                if (watch!.IsCompletedSuccessfully)
                {
                    var interrupted = new AttemptOutcome.Interrupted(watch.Result, Workflow.UtcNow);
                    // Cancel, not CancelAsync: CancelAsync runs the callbacks on the thread pool, outside the workflow's scheduler.
#pragma warning disable CA1849, VSTHRD103
                    executionScope.Cancel();
#pragma warning restore CA1849, VSTHRD103
                    await SettleAsync(execution);
                    return interrupted;
                }

                // The watch itself failed for good: the job goes on unwatched rather than failing.
                watch = null;
                continue;
            }

            timedOut |= winner == maxDuration;
            maxDuration = null;
            _stopSent = true;
            var force = _abortRequested || timedOut;
            Note(_abortRequested ? "abort requested" : timedOut ? "max_duration reached" : StopCause);
            await Workflow.ExecuteActivityAsync((RunActivities a) => a.StopJobAsync(new StopJobInput(spec, instance, force, _attempt)), Step(ShortActivity));
        }

        if (watch is not null)
        {
            // Cancel, not CancelAsync: CancelAsync runs the callbacks on the thread pool, outside the workflow's scheduler.
#pragma warning disable CA1849, VSTHRD103
            watchScope.Cancel();
#pragma warning restore CA1849, VSTHRD103
            await SettleAsync(watch);
        }

        ExecuteJobResult result;
        try
        {
            result = await execution;
        }
        catch (ActivityFailureException e) when (e.InnerException is ApplicationFailureException { ErrorType: FailureReason.InstanceUnreachable } unreachable)
        {
            // A spot machine that stopped answering was most likely taken back: the cloud says so.
            if (await InterruptedAsync(instance) is { } interrupted)
            {
                return interrupted;
            }

            return await FinishedAsync(RunStatus.Failed, FailureReason.InstanceUnreachable, unreachable.Message, null);
        }

        _manifest = _manifest with { ExitCode = result.ExitCode };
        if (_abortRequested)
        {
            return await FinishedAsync(RunStatus.Aborted, FailureReason.AbortedByUser, "Aborted by the user; artifacts were not uploaded.", result.ExitCode);
        }

        if (spec.Artifacts.Count > 0)
        {
            await SetStatusAsync(RunStatus.Uploading);
            var uploaded = await Workflow.ExecuteActivityAsync((RunActivities a) => a.UploadArtifactsAsync(job), Step(ShortActivity));
            _manifest = _manifest with { Artifacts = uploaded.Paths };
        }

        if (timedOut)
        {
            return await FinishedAsync(RunStatus.Failed, FailureReason.MaxDuration, $"The run exceeded max_duration ({spec.MaxDuration}) and was stopped.", result.ExitCode);
        }

        if (_stopRequested)
        {
            return await FinishedAsync(RunStatus.Stopped, FailureReason.StoppedByUser, "Stopped by the user.", result.ExitCode);
        }

        if (_cancelRequested && _stopSent)
        {
            return await FinishedAsync(RunStatus.Stopped, FailureReason.StoppedByUser, $"Stopped: {CancelStop}; the artifacts were uploaded.", result.ExitCode);
        }

        return result.ExitCode == 0
            ? await FinishedAsync(RunStatus.Done, null, null, 0)
            : await FinishedAsync(RunStatus.Failed, FailureReason.Error, result.Failure ?? $"The job exited with code {result.ExitCode}.", result.ExitCode);
    }

    private async Task SetStatusAsync(RunStatus status)
    {
        _manifest = _manifest with { Status = status };
        Note(status.ToDisplayName());
        Workflow.UpsertTypedSearchAttributes(DstackSearchAttributes.Status.ValueSet(status.ToDisplayName()));
        var manifest = _manifest;
        await Workflow.ExecuteLocalActivityAsync((RunActivities a) => a.WriteManifestAsync(manifest), Step(QuickActivity));
    }

    private async Task<RunResult> FinishAsync(RunStatus status, string? reason, string? message, int? exitCode)
    {
        _manifest = _manifest with { Reason = reason, Message = message, FinishedAt = Workflow.UtcNow, ExitCode = exitCode ?? _manifest.ExitCode };
        await SetStatusAsync(status);
        return new RunResult(status, _manifest.ExitCode, reason, message);
    }

    /// <summary><see cref="FinishAsync"/> as the outcome of the attempt that ended the run.</summary>
    private async Task<AttemptOutcome> FinishedAsync(RunStatus status, string? reason, string? message, int? exitCode) =>
        new AttemptOutcome.Finished(await FinishAsync(status, reason, message, exitCode));
}
