using System.Diagnostics;
using System.Globalization;
using Dstack.Core.Archives;
using Dstack.Core.Artifacts;
using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Environments;
using Dstack.Core.Instances;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Dstack.Workflows.Activities;

/// <summary>
/// The run workflow's activities: thin, idempotent adapters from the workflow to the backends and storage.
/// Long ones heartbeat; failures users can act on become typed, non-retryable application failures.
/// </summary>
public sealed partial class RunActivities(BackendRegistry backends, IStorage storage, RunActivitiesOptions options)
{
    /// <summary>
    /// The longest pause between two looks at a job's output and exit while it prints nothing and the machine cannot wait
    /// for its end (<see cref="JobExitWatch"/>): the pause doubles while the job is silent, so a job that exits right after
    /// its last line is seen at once and a silent one at most this late.
    /// A look reads the two files a <see cref="JobFollower"/> keeps open: over SSH two SFTP requests, where it was an open,
    /// a stat, a read and a close of the log and a failed open of the exit file. With 64 jobs on a host's blocks a 20 ms
    /// cap starved the machines; at 1 s with files opened per look, a job was seen to exit 0.74 s after its last line
    /// (median) and its slot of the capacity queue idled as long; at 500 ms with the files kept open, 0.35 s, with less
    /// server CPU per run (benchmarks/README.md, ScaleBenchmark).
    /// </summary>
    private static readonly TimeSpan OutputPollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest pause while a wait for the job's end runs beside it (<see cref="JobExitWatch"/>): the end no longer
    /// waits for a look, so the looks are only for the output, which a person reads a second late without harm.
    /// </summary>
    private static readonly TimeSpan OutputPollIntervalWhileWaiting = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The first pause after the output ran dry, until the job's first output; it doubles up to <see cref="OutputPollInterval"/>.
    /// A job usually prints its first line within milliseconds of starting, and a user is waiting for it.
    /// </summary>
    private static readonly TimeSpan FirstOutputPollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>The shortest pause once the job has printed: a line a human reads 20 ms late is not late.</summary>
    private static readonly TimeSpan NextOutputPollInterval = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan ReconnectInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);
    private const int OutputChunkBytes = 4 * 1024 * 1024;

    /// <summary>How many times a preparation within <see cref="ExecuteJobAsync"/> is tried: the preparation activity's own maximum.</summary>
    private const int PrepareAttempts = 10;

    /// <summary>Creates the activities with <see cref="RunActivitiesOptions.Default"/>.</summary>
    public RunActivities(BackendRegistry backends, IStorage storage)
        : this(backends, storage, RunActivitiesOptions.Default)
    {
    }

    [Activity]
    public async Task<FindOffersResult> FindOffersAsync(FindOffersInput input)
    {
        var offers = new List<InstanceOffer>();
        var rejections = new List<string>();
        var (unavailable, cloud, fixedSlots) = (0, false, new List<string>());
        foreach (var backend in backends.All.Where(b => input.Backends.Count == 0 || input.Backends.Contains(b.Name, StringComparer.Ordinal)))
        {
            var search = await backend.GetOffersAsync(input.Resources, CancellationToken);
            rejections.AddRange(search.Rejections);
            unavailable += backend.HasFixedSlots ? search.Unavailable : 0;
            cloud |= backend is ICloudBackend;
            if (backend.HasFixedSlots)
            {
                fixedSlots.Add(backend.Name);
            }

            var wanted = search.Offers.Where(o =>
                (input.Regions is not { Count: > 0 } regions || backend is not ICloudBackend || regions.Contains(o.Region, StringComparer.Ordinal)) &&
                input.SpotPolicy switch { SpotPolicy.Spot => o.Spot, SpotPolicy.OnDemand => !o.Spot, _ => true }).ToList();
            if (input.MaxPrice is { } limit && wanted.Count(o => o.PricePerHour is null) is var unknown and > 0)
            {
                // max_price cannot vouch for a price nobody knows: those offers are left out, and the run says so.
                rejections.Add(string.Create(CultureInfo.InvariantCulture, $"{backend.Name}: {unknown} offers with an unknown price left out by max_price {limit}"));
            }

            offers.AddRange(wanted.Where(o => input.MaxPrice is not { } max || (o.PricePerHour is { } price && price <= max)));
        }

        if (input.Backends.Count > 0 && !backends.All.Any(b => input.Backends.Contains(b.Name, StringComparer.Ordinal)))
        {
            rejections.Add($"none of the backends the workflow allows ({string.Join(", ", input.Backends)}) is configured; configured: {string.Join(", ", backends.All.Select(b => b.Name))}");
        }

        // Cheapest first; an unknown price ranks after every known one (it is never taken for free).
        return new FindOffersResult([.. offers.OrderBy(o => o.PricePerHour is null).ThenBy(o => o.PricePerHour)], rejections, unavailable, cloud, fixedSlots);
    }

    [Activity]
    public async Task<Instance> ProvisionAsync(ProvisionInput input)
    {
        try
        {
            // Runs submitted before the input carried the run name tag their machine with the client token.
            var request = new ProvisionRequest(input.Offer, input.ClientToken, input.RunName ?? input.ClientToken);
            return await Backend(input.Offer.Backend).ProvisionAsync(request, CancellationToken);
        }
        catch (NoCapacityException e)
        {
            throw new ApplicationFailureException(e.Message, errorType: FailureReason.NoCapacity, nonRetryable: true);
        }
    }

    [Activity]
    public Task ReleaseAsync(Instance instance) => Backend(instance.Backend).ReleaseAsync(instance, CancellationToken);

    /// <summary>Uploads the code, writes the job script and places the inputs: runs that prepare in <see cref="ExecuteJobAsync"/> do it there.</summary>
    [Activity]
    public async Task<PrepareJobResult> PrepareJobAsync(JobInput input)
    {
        await using var shell = await ConnectAsync(input.Instance);
        await PrepareOnAsync(shell, input, start: null);
        return new PrepareJobResult(EnvironmentRecipe.FromSpec(input.Spec).Key);
    }

    /// <summary>
    /// Prepares the job on <paramref name="shell"/> (idempotent: a job prepared before is left as it is) and, given
    /// <paramref name="start"/> (the secrets' values, or none), starts it in the same command when nothing is to be placed
    /// in between (<see cref="JobRunner.PrepareAndStartAsync"/>). Returns whether the start was done.
    /// </summary>
    private async Task<bool> PrepareOnAsync(IInstanceShell shell, JobInput input, JobStart? start)
    {
        // A big script travels through storage, not in the input (RunScriptStore); runs submitted before carry it inline.
        var spec = await ResolveScriptAsync(input.Spec);
        var job = new JobRunner(shell, spec.RunName, StorageLayout.MainJob, input.Attempt);
        var script = new JobScriptBuilder(shell.DstackDirectory).Build(spec, job.CodeDirectory, input.Attempt);
        var codeKey = StorageLayout.Code(input.Spec.CodeHash);
        if (storage is IPresigningStorage direct)
        {
            // The machine fetches the code from storage itself; the worker is not in the data path.
            if (!await storage.ExistsAsync(codeKey, CancellationToken))
            {
                throw MissingCode(input);
            }

            await DirectTransfers.PrepareAsync(job, direct, codeKey, script, CancellationToken);
        }
        else
        {
            await using var code = await storage.OpenReadAsync(codeKey, CancellationToken) ?? throw MissingCode(input);
            if (start is not null && !HasInputs(spec))
            {
                await job.PrepareAndStartAsync(code, script, start.Environment, CancellationToken);
                return true;
            }

            await job.PrepareAsync(code, script, CancellationToken);
        }

        // Dependencies and mounted artifacts, whichever way the code came.
        await PlaceInputsAsync(shell, job, input.Spec);
        return false;
    }

    /// <summary>
    /// Prepares the job first when the input says so (<see cref="JobInput.Prepare"/>: one activity and one workflow task
    /// fewer between a slot taken and the job started), starts it detached (idempotent) and follows its output into the
    /// log store until it exits. The heartbeat carries the log offset, so an attempt on another worker re-attaches without
    /// restarting the job and without losing or duplicating a byte of output. A machine that stops answering is retried
    /// (still heartbeating) for the backend's grace period (<see cref="RunActivitiesOptions.UnreachableGracePeriod"/> by
    /// default); past it the run fails with <c>instance-unreachable</c>.
    /// </summary>
    [Activity]
    public async Task<ExecuteJobResult> ExecuteJobAsync(JobInput input)
    {
        var context = ActivityExecutionContext.Current;
        var offset = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<long>(0) : 0L;
        var logs = new LogStore(storage);
        var prepared = !input.Prepare;
        var started = false;
        long? unreachableSince = null;
        var gracePeriod = Backend(input.Instance.Backend).UnreachableGracePeriod ?? options.UnreachableGracePeriod;
        IInstanceShell? shell = null;
        JobFollower? follower = null;
        await using var exitWatch = new JobExitWatch();
        MountSync? mounts = null;
        var lastSync = Stopwatch.GetTimestamp();
        int? exitCode = null;
        var pollInterval = FirstOutputPollInterval;

        // Reconnecting to a machine that does not answer can take longer than the heartbeat timeout; without beats in
        // between, the server would time the attempt out and a new one would start the grace period over.
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var beats = BeatAsync(context, () => Interlocked.Read(ref offset), beating.Token);
        try
        {
            while (true)
            {
                try
                {
                    shell ??= await ConnectAsync(input.Instance);
                    var job = new JobRunner(shell, input.Spec.RunName, StorageLayout.MainJob, input.Attempt);
                    if (!started)
                    {
                        var secrets = await ReadSecretsAsync(input.Spec);
                        if (!prepared)
                        {
                            started = await PrepareBeforeStartAsync(shell, input, new JobStart(secrets), context.Info.Attempt);
                            prepared = true;
                        }

                        if (!started)
                        {
                            await job.StartAsync(secrets, CancellationToken);
                            started = true;
                        }
                    }

                    mounts ??= CreateMountSync(shell, job, input.Spec);
                    await SyncMountsAsync(mounts, force: false, () => lastSync, t => lastSync = t);

                    follower ??= job.Follow();
                    var output = await follower.ReadOutputAsync(offset, OutputChunkBytes, CancellationToken);
                    unreachableSince = null;
                    if (output.Length > 0)
                    {
                        await logs.AppendAsync(input.Spec.RunName, StorageLayout.MainJob, input.LogOffset + offset, output, CancellationToken);
                        offset += output.Length;
                        context.Heartbeat(offset);
                        // Halved, not reset: a job that prints a line a second is looked at about twice a second.
                        pollInterval = pollInterval / 2 > NextOutputPollInterval ? pollInterval / 2 : NextOutputPollInterval;
                        if (output.Length == OutputChunkBytes)
                        {
                            // There may be more already: read on without a pause. A shorter read reached the end of the output.
                            continue;
                        }
                    }

                    // The exit code is read only when the output runs dry (no round trip per chunk while it flows), and
                    // the output is read once more after it: everything the job wrote before exiting is then stored.
                    if (exitCode is { } code)
                    {
                        await SyncMountsAsync(mounts, force: true, () => lastSync, t => lastSync = t);
                        var failure = code == 0 ? null : await job.DescribeFailureAsync(code, CancellationToken);
                        return new ExecuteJobResult(code, offset, failure);
                    }

                    // While a wait for the end is held up by the wrapper's lock the job runs: no look at its exit code.
                    exitCode = exitWatch.HeldUp ? null : await follower.GetExitCodeAsync(CancellationToken);
                    if (exitCode is null)
                    {
                        context.Heartbeat(offset);
                        await exitWatch.PauseAsync(follower, pollInterval, CancellationToken);
                        var longest = exitWatch.Waking ? OutputPollIntervalWhileWaiting : OutputPollInterval;
                        pollInterval = pollInterval * 2 < longest ? pollInterval * 2 : longest;
                    }
                }
                catch (InstanceUnreachableException e)
                {
                    unreachableSince ??= Stopwatch.GetTimestamp();
                    if (Stopwatch.GetElapsedTime(unreachableSince.Value) > gracePeriod)
                    {
                        throw new ApplicationFailureException(
                            $"{e.Instance} did not answer for {gracePeriod.TotalSeconds:0} s: {e.Message}",
                            errorType: FailureReason.InstanceUnreachable,
                            nonRetryable: true);
                    }

                    context.Heartbeat(offset);
                    await Task.Delay(ReconnectInterval, CancellationToken);
                }
            }
        }
        finally
        {
            await beating.CancelAsync();
            await beats;
            if (follower is not null)
            {
                await follower.DisposeAsync();
            }

            if (shell is not null)
            {
                await shell.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Prepares the job within <see cref="ExecuteJobAsync"/>. A preparation that fails (a full disk, a broken archive,
    /// storage that cannot be read) fails the run after as many tries as the preparation activity had, instead of being
    /// retried as long as a job runs; a machine that does not answer is the job activity's grace period's to judge.
    /// Returns whether the job was started with it (<see cref="PrepareOnAsync"/>).
    /// </summary>
    private async Task<bool> PrepareBeforeStartAsync(IInstanceShell shell, JobInput input, JobStart start, int attempt)
    {
        try
        {
            return await PrepareOnAsync(shell, input, start);
        }
        catch (Exception e) when (attempt >= PrepareAttempts && e is not (ApplicationFailureException or InstanceUnreachableException or OperationCanceledException))
        {
            throw new ApplicationFailureException($"Preparing the job failed {attempt} times: {e.Message}", e, nonRetryable: true);
        }
    }

    [Activity]
    public async Task StopJobAsync(StopJobInput input)
    {
        await using var shell = await ConnectAsync(input.Instance);
        await new JobRunner(shell, input.Spec.RunName, StorageLayout.MainJob, input.Attempt).StopAsync(input.Force, cancellationToken: CancellationToken);
    }

    /// <summary>Leaves nothing of the job on the machine: kills it if it still runs (a run that ended abnormally), removes its folder.</summary>
    [Activity]
    public Task CleanUpJobAsync(JobInput input) => CleanUpThenReleaseAsync(input, null);

    /// <summary>Removes the job's leftovers and, when the machine's backend releases by a script, releases it in the same command.</summary>
    /// <returns>True when the machine was released as well.</returns>
    private async Task<bool> CleanUpThenReleaseAsync(JobInput input, IReleasedOnTheMachine? releasedOnTheMachine)
    {
        try
        {
            await using var shell = await ConnectAsync(input.Instance);
            var release = releasedOnTheMachine?.ReleaseScript(input.Instance, shell.DstackDirectory);
            await new JobRunner(shell, input.Spec.RunName, StorageLayout.MainJob, input.Attempt).CleanupAsync(release, CancellationToken);
            return release is not null;
        }
        catch (InstanceUnreachableException e)
        {
            // Retryable: the shared connection may have been dropped under this call by another one's failure; the workflow
            // bounds the tries (one for a host the run already found unreachable).
            throw new ApplicationFailureException($"The job folder was left on {e.Instance}: {e.Message}", e, errorType: FailureReason.InstanceUnreachable);
        }
    }

    /// <summary>Removes the job's leftovers and releases the machine (<see cref="MachineRelease"/>).</summary>
    [Activity]
    public Task<ReleaseResult> CleanUpAndReleaseAsync(ReleaseInput input)
    {
        var releasedOnTheMachine = Backend(input.Job.Instance.Backend) as IReleasedOnTheMachine;
        return MachineRelease.RunAsync(
            input,
            ActivityExecutionContext.Current.Info.Attempt,
            () => CleanUpThenReleaseAsync(input.Job, releasedOnTheMachine),
            () => ReleaseAsync(input.Job.Instance));
    }

    [Activity]
    public async Task<UploadArtifactsResult> UploadArtifactsAsync(JobInput input)
    {
        var paths = input.Spec.Artifacts.Select(a => a.Path).ToList();
        if (paths.Count == 0)
        {
            return new UploadArtifactsResult([], 0, 0);
        }

        await using var shell = await ConnectAsync(input.Instance);
        var job = new JobRunner(shell, input.Spec.RunName, StorageLayout.MainJob, input.Attempt);
        if (storage is IPresigningStorage direct)
        {
            var uploaded = await DirectTransfers.UploadArtifactsAsync(job, direct, paths, input.Spec.WorkingDir, CancellationToken);
            return new UploadArtifactsResult(paths, uploaded.TotalBytes, uploaded.Files.Count);
        }

        var packed = await job.PackArtifactsAsync(paths, input.Spec.WorkingDir, CancellationToken);
        var folder = Directory.CreateTempSubdirectory("dstack-artifacts-");
        try
        {
            var local = Path.Combine(folder.FullName, "artifacts.tar.gz");
            await using (var file = File.Create(local))
            {
                await shell.DownloadAsync(packed.ArchivePath, file, CancellationToken);
            }

            var files = Path.Combine(folder.FullName, "files");
            try
            {
                await SafeExtractor.ExtractFileAsync(local, files, CancellationToken);
            }
            catch (UnsafeArchiveException e)
            {
                // The job's output is what it is: retrying cannot make it safe.
                throw new ApplicationFailureException($"the artifacts were refused: {e.Message}", errorType: FailureReason.Error, nonRetryable: true);
            }

            var index = await new ArtifactStore(storage).UploadAsync(input.Spec.RunName, StorageLayout.MainJob, files, paths, CancellationToken);
            return new UploadArtifactsResult(paths, index.TotalBytes, index.Files.Count);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Activity]
    public Task WriteManifestAsync(RunManifest manifest) => new ManifestStore(storage).WriteAsync(manifest, CancellationToken);

    /// <summary>Heartbeats the current log offset every few seconds until cancelled.</summary>
    private static async Task BeatAsync(ActivityExecutionContext context, Func<long> offset, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                context.Heartbeat(offset());
            }
        }
        catch (OperationCanceledException)
        {
            // The activity ended (or was cancelled): no more beats.
        }
    }

    private async Task<RunSpec> ResolveScriptAsync(RunSpec spec)
    {
        try
        {
            return await new RunScriptStore(storage).ResolveAsync(spec, CancellationToken);
        }
        catch (StorageException e)
        {
            // Missing or corrupt: no retry brings it back.
            throw new ApplicationFailureException(e.Message, errorType: FailureReason.Error, nonRetryable: true);
        }
    }

    private ApplicationFailureException MissingCode(JobInput input) =>
        new($"the code snapshot {input.Spec.CodeHash} of run {input.Spec.RunName} is missing from storage ({storage.Location})", errorType: FailureReason.Error, nonRetryable: true);

    private static CancellationToken CancellationToken => ActivityExecutionContext.Current.CancellationToken;

    private IBackend Backend(string name) =>
        backends.Find(name)
        ?? throw new ApplicationFailureException($"backend '{name}' is not configured on this worker", errorType: FailureReason.Config, nonRetryable: true);

    private Task<IInstanceShell> ConnectAsync(Instance instance) => Backend(instance.Backend).ConnectAsync(instance, CancellationToken);
}
