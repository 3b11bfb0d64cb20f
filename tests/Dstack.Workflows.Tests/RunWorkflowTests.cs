using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.TemporalServer.Hosting;
using Dstack.Workflows.Contracts;
using Dstack.Workflows.Queue;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace Dstack.Workflows.Tests;

/// <summary>The run workflow's decisions, against the embedded Temporal server with the activities faked by name.</summary>
public sealed class RunWorkflowTests : IAsyncLifetime
{
    private EmbeddedTemporalServer _server = null!;
    private TemporalClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await StartServerAsync(suggestContinueAsNewAfterEvents: null);
        _client = await TemporalClient.ConnectAsync(new(_server.Address) { DataConverter = DstackDataConverter.Instance });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Run_JobSucceeds_DoneAndMachineReleased()
    {
        var fake = new FakeRunActivities();
        var result = await RunAsync(fake, Spec() with { Artifacts = [new ArtifactRef("output", false)] });
        Assert.Equal(new RunResult(RunStatus.Done, 0, null, null), result);
        Assert.Equal(["FindOffers", "Provision", "PrepareJob", "ExecuteJob", "UploadArtifacts", "CleanUpJob", "Release local-1"],
            fake.Calls.Select(c => c.StartsWith("Provision", StringComparison.Ordinal) ? "Provision" : c));
        // The same status may be written twice in a row (the last write closes the attempt); it never goes back.
        var statuses = fake.Manifests.Select(m => m.Status).ToList();
        Assert.Equal(
            [RunStatus.Submitted, RunStatus.Provisioning, RunStatus.Running, RunStatus.Uploading, RunStatus.Done],
            statuses.Where((s, i) => i == 0 || s != statuses[i - 1]));
        Assert.Equal("local", fake.Manifests.Last().Backend);

        // The manifest's last write closes the attempt: its machine, when and how it ended.
        var attempt = Assert.Single(fake.Manifests.Last().Attempts);
        Assert.Equal(("local", "done"), (attempt.Backend, attempt.Outcome));
        Assert.NotNull(attempt.EndedAt);
    }

    [Fact]
    public async Task Run_NoOffers_FailsNoCapacityWithoutProvisioning()
    {
        var fake = new FakeRunActivities { Offers = [] };
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(FailureReason.NoCapacity, result.Reason);
        Assert.Contains("remote backend is needed", result.Message, StringComparison.Ordinal);
        Assert.Equal(["FindOffers"], fake.Calls);
    }

    [Fact]
    public async Task Run_NoOffersYetWithNoCapacityRetry_SearchesAgainAndRuns()
    {
        // Every host busy at submission: the run waits and searches again rather than failing at once.
        var fake = new FakeRunActivities();
        fake.FirstSearches.Enqueue([]);
        var spec = Spec() with { RetryOnEvents = [FailureReason.NoCapacity], RetryDuration = TimeSpan.FromMinutes(1) };
        var result = await RunAsync(fake, spec);
        Assert.Equal(RunStatus.Done, result.Status);
        Assert.Equal(["FindOffers", "FindOffers", "Provision local run-1-1-2-0"], fake.Calls.Take(3));
    }

    [Fact]
    public async Task Run_NoOffersWithRetryDurationOver_FailsNoCapacityNamingWhy()
    {
        var fake = new FakeRunActivities { Offers = [] };
        var spec = Spec() with { RetryOnEvents = [FailureReason.NoCapacity], RetryDuration = TimeSpan.FromSeconds(6) };
        var result = await RunAsync(fake, spec);
        Assert.Equal((RunStatus.Failed, FailureReason.NoCapacity), (result.Status, result.Reason));
        Assert.Contains("remote backend is needed", result.Message, StringComparison.Ordinal);
        Assert.Equal(["FindOffers", "FindOffers", "FindOffers"], fake.Calls);
    }

    [Fact]
    public async Task Run_FirstOfferHasNoCapacity_ProvisionsNextWithItsOwnClientToken()
    {
        var fake = new FakeRunActivities { Offers = [FakeRunActivities.Offer("aws", 1), FakeRunActivities.Offer("local", 2)] };
        fake.NoCapacityBackends.Add("aws");
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Done, result.Status);
        var provisions = fake.Calls.Where(c => c.StartsWith("Provision", StringComparison.Ordinal)).ToList();
        Assert.Equal(["Provision aws run-1-1-1-0", "Provision local run-1-1-1-1"], provisions);
        Assert.Contains("Release local-1", fake.Calls);
    }

    [Fact]
    public async Task Run_FirstFixedSlotHostHasNoFreeSlot_ClaimsTheNextWithItsOwnClientToken()
    {
        // Slots of machines with fixed slots are claimed by a local activity, whose failure the search must read as a launch's.
        var fake = new FakeRunActivities { Offers = [FakeRunActivities.Offer("ssh", 0), FakeRunActivities.Offer("local", 0)] };
        fake.FixedSlotBackends.AddRange(["ssh", "local"]);
        fake.NoCapacityBackends.Add("ssh");
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Done, result.Status);
        var provisions = fake.Calls.Where(c => c.StartsWith("Provision", StringComparison.Ordinal)).ToList();
        Assert.Equal(["Provision ssh run-1-1-1-0", "Provision local run-1-1-1-1"], provisions);
        Assert.Contains("Release local-1", fake.Calls);
    }

    [Fact]
    public async Task Run_LaunchFailsOtherThanForCapacity_ReleasedByItsClientTokenThenNextOffer()
    {
        var fake = new FakeRunActivities { Offers = [FakeRunActivities.Offer("aws", 1m), FakeRunActivities.Offer("ssh", 2m)] };
        fake.FailedLaunchBackends.Add("aws");
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Done, result.Status);

        // The failed launch may have made a machine all the same: whatever its token made is released before moving on.
        Assert.Equal(["Provision aws run-1-1-1-0", "ReleaseByClientToken run-1-1-1-0", "Provision ssh run-1-1-1-1"], fake.Calls.Skip(1).Take(3));
        Assert.Equal("Release ssh-1", fake.Calls.Last());
    }

    [Fact]
    public async Task Run_NoCapacity_NothingToReleaseByClientToken()
    {
        var fake = new FakeRunActivities { Offers = [FakeRunActivities.Offer("aws", 1m), FakeRunActivities.Offer("ssh", 2m)] };
        fake.NoCapacityBackends.Add("aws");
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Done, result.Status);
        Assert.DoesNotContain(fake.Calls, c => c.StartsWith("ReleaseByClientToken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_WhileProvisioning_LaunchEndsThenTheMachineIsReleasedUnused()
    {
        var fake = new FakeRunActivities();
        var result = await StopWhileLaunchingAsync(fake);

        Assert.Equal(new RunResult(RunStatus.Stopped, null, FailureReason.StoppedByUser, "Stopped before the job started."), result);
        Assert.Equal(["FindOffers", "Provision local run-1-1-1-0", "CleanUpJob", "Release local-1"], fake.Calls);
    }

    [Fact]
    public async Task Stop_WhileALaunchThatThenFails_ReleasedByItsClientTokenAndStoppedWithoutTheNextOffer()
    {
        var fake = new FakeRunActivities { Offers = [FakeRunActivities.Offer("aws", 1m), FakeRunActivities.Offer("ssh", 2m)] };
        fake.FailedLaunchBackends.Add("aws");
        var result = await StopWhileLaunchingAsync(fake);

        Assert.Equal((RunStatus.Stopped, FailureReason.StoppedByUser), (result.Status, result.Reason));
        Assert.Equal(["FindOffers", "Provision aws run-1-1-1-0", "ReleaseByClientToken run-1-1-1-0"], fake.Calls);
    }

    [Fact]
    public async Task Run_NonZeroExit_FailedWithErrorAndArtifactsUploaded()
    {
        var fake = new FakeRunActivities { ExitCode = 3 };
        var result = await RunAsync(fake, Spec() with { Artifacts = [new ArtifactRef("output", false)] });
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(FailureReason.Error, result.Reason);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("UploadArtifacts", fake.Calls);
        Assert.Equal("Release local-1", fake.Calls.Last());
    }

    [Fact]
    public async Task Stop_WhileRunning_GracefulStopThenArtifactsThenStopped()
    {
        var fake = new FakeRunActivities { ExitCode = null };
        var result = await RunAsync(fake, Spec() with { Artifacts = [new ArtifactRef("output", false)] }, async handle =>
        {
            await fake.JobStarted;
            await handle.SignalAsync(wf => wf.StopAsync());
        });
        Assert.Equal(RunStatus.Stopped, result.Status);
        Assert.Equal(143, result.ExitCode);
        Assert.Contains("StopJob force=False", fake.Calls);
        Assert.Contains("UploadArtifacts", fake.Calls);
        Assert.Equal("Release local-1", fake.Calls.Last());
    }

    [Fact]
    public async Task Abort_WhileRunning_KilledNoArtifactsAborted()
    {
        var fake = new FakeRunActivities { ExitCode = null };
        var result = await RunAsync(fake, Spec() with { Artifacts = [new ArtifactRef("output", false)] }, async handle =>
        {
            await fake.JobStarted;
            await handle.SignalAsync(wf => wf.AbortAsync());
        });
        Assert.Equal(RunStatus.Aborted, result.Status);
        Assert.Contains("StopJob force=True", fake.Calls);
        Assert.DoesNotContain("UploadArtifacts", fake.Calls);
        Assert.Equal("Release local-1", fake.Calls.Last());
    }

    [Fact]
    public async Task MaxDuration_Exceeded_JobKilledAndFailed()
    {
        var fake = new FakeRunActivities { ExitCode = null };
        var result = await RunAsync(fake, Spec() with { MaxDuration = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(FailureReason.MaxDuration, result.Reason);
        Assert.Contains("StopJob force=True", fake.Calls);
    }

    [Fact]
    public async Task Execute_FailsForGood_RunFailedWithTheCauseAndMachineReleased()
    {
        var fake = new FakeRunActivities { FailExecution = true };
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(FailureReason.Error, result.Reason);
        Assert.Contains("the instance disappeared", result.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Failed, fake.Manifests.Last().Status);
        Assert.Equal("Release local-1", fake.Calls.Last());
    }

    [Fact]
    public async Task Run_InstanceUnreachable_FailedWithThatReasonAndMachineReleased()
    {
        var fake = new FakeRunActivities { UnreachableExecution = true };
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(FailureReason.InstanceUnreachable, result.Reason);
        Assert.Contains("did not answer", result.Message, StringComparison.Ordinal);
        Assert.Equal(FailureReason.InstanceUnreachable, fake.Manifests.Last().Reason);
        Assert.Equal(["CleanUpJob", "Release local-1"], fake.Calls.TakeLast(2));
    }

    [Fact]
    public async Task Run_CleanUpLosesItsConnectionOnce_TriedAgainAndNothingLeft()
    {
        var fake = new FakeRunActivities { CleanUpFailures = 1 };
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Done, result.Status);
        Assert.Equal(["CleanUpJob", "CleanUpJob", "Release local-1"], fake.Calls.TakeLast(3));
        Assert.Null(Assert.Single(fake.Manifests.Last().Attempts).Leftover);
    }

    [Fact]
    public async Task Run_CleanUpFailsForGood_MachineReleasedAndTheAttemptSaysWhatWasLeft()
    {
        var fake = new FakeRunActivities { CleanUpFailures = int.MaxValue };
        var result = await RunAsync(fake, Spec());
        Assert.Equal(RunStatus.Done, result.Status);
        Assert.Equal(["CleanUpJob", "CleanUpJob", "CleanUpJob", "Release local-1"], fake.Calls.TakeLast(4));
        var attempt = Assert.Single(fake.Manifests.Last().Attempts);
        Assert.Equal("done", attempt.Outcome);
        Assert.Contains("the job folder (The job folder was left on local-1: Lost the connection)", attempt.Leftover, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InstanceUnreachableAndCleanUpFails_TriedOnceThenReleased()
    {
        var fake = new FakeRunActivities { UnreachableExecution = true, CleanUpFailures = int.MaxValue };
        var result = await RunAsync(fake, Spec());
        Assert.Equal(FailureReason.InstanceUnreachable, result.Reason);
        Assert.Equal(["ExecuteJob", "CleanUpJob", "Release local-1"], fake.Calls.TakeLast(3));
        Assert.NotNull(Assert.Single(fake.Manifests.Last().Attempts).Leftover);
    }

    [Fact]
    public async Task Run_SpotInterrupted_NextAttemptInAnotherRegionThenDone()
    {
        var fake = new FakeRunActivities
        {
            Offers = [FakeRunActivities.Offer("aws", "us-east-1", spot: true, 0.1m), FakeRunActivities.Offer("aws", "us-west-2", spot: true, 0.2m)],
            InterruptedAttempts = [1],
        };
        var result = await RunAsync(fake, Spec() with { SpotPolicy = SpotPolicy.Spot, RetryOnEvents = [FailureReason.Interruption], RetryDuration = TimeSpan.FromHours(1) });

        Assert.Equal(RunStatus.Done, result.Status);
        var provisions = fake.Calls.Where(c => c.StartsWith("Provision", StringComparison.Ordinal)).ToList();
        Assert.Equal(["Provision aws run-1-1-1-0", "Provision aws run-1-2-1-0"], provisions);
        Assert.Contains("Interrupted attempt 1 in us-east-1", fake.Calls);

        // The interrupted machine was released before the next one was asked for; the region it was in was avoided.
        var calls = fake.Calls.ToList();
        Assert.True(calls.IndexOf("Release aws-1") < calls.IndexOf("Provision aws run-1-2-1-0"), string.Join(", ", calls));
        var attempts = fake.Manifests.Last().Attempts;
        Assert.Equal([("us-east-1", FailureReason.Interruption), ("us-west-2", "done")], attempts.Select(a => (a.Region, a.Outcome)));
        Assert.Equal("spot capacity reclaimed", attempts[0].Interruption);
    }

    [Fact]
    public async Task Run_InterruptedEveryTime_FailsInterruptionAfterTenAttempts()
    {
        var fake = new FakeRunActivities { Offers = [FakeRunActivities.Offer("aws", "us-east-1", spot: true)], InterruptedAttempts = null };
        var result = await RunAsync(fake, Spec() with { SpotPolicy = SpotPolicy.Spot, RetryOnEvents = [FailureReason.Interruption], RetryDuration = TimeSpan.FromHours(1) });

        Assert.Equal((RunStatus.Failed, FailureReason.Interruption), (result.Status, result.Reason));
        Assert.Equal(10, fake.Calls.Count(c => c.StartsWith("Provision", StringComparison.Ordinal)));
        Assert.Equal(10, fake.Calls.Count(c => c == "Release aws-1"));
        Assert.Equal(10, fake.Manifests.Last().Attempts.Count);
        Assert.All(fake.Manifests.Last().Attempts, a => Assert.Equal(FailureReason.Interruption, a.Outcome));
    }

    [Fact]
    public async Task Run_InterruptedWithoutInterruptionRetry_FailsAtTheFirst()
    {
        var fake = new FakeRunActivities { Offers = [FakeRunActivities.Offer("aws", "us-east-1", spot: true)], InterruptedAttempts = null };
        var result = await RunAsync(fake, Spec() with { SpotPolicy = SpotPolicy.Spot, RetryOnEvents = [FailureReason.NoCapacity], RetryDuration = TimeSpan.FromHours(1) });

        Assert.Equal((RunStatus.Failed, FailureReason.Interruption), (result.Status, result.Reason));
        Assert.Single(fake.Calls, c => c.StartsWith("Provision", StringComparison.Ordinal));
        Assert.Contains("spot capacity reclaimed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AutoSpotWithoutSpotCapacity_FallsBackToOnDemand()
    {
        var fake = new FakeRunActivities
        {
            // On-demand comes first in the list and costs more; auto tries spot first all the same.
            Offers = [FakeRunActivities.Offer("aws", "us-east-1", spot: false, 1.0m), FakeRunActivities.Offer("aws", "us-east-1", spot: true, 0.3m)],
            NoSpotCapacity = true,
        };
        var result = await RunAsync(fake, Spec() with { SpotPolicy = SpotPolicy.Auto });

        Assert.Equal(RunStatus.Done, result.Status);
        var provisions = fake.Calls.Where(c => c.StartsWith("Provision", StringComparison.Ordinal)).ToList();
        Assert.Equal(["Provision aws run-1-1-1-0", "Provision aws run-1-1-1-1"], provisions);
        var attempt = Assert.Single(fake.Manifests.Last().Attempts);
        Assert.False(attempt.Spot);
        Assert.Equal(1.0m, attempt.PricePerHour);
    }

    [Fact]
    public async Task Run_RetryDurationAcrossContinueAsNew_EndsAtTheFirstDeadline()
    {
        // No offer ever; the server suggests continue-as-new after a few events, so the wait spans several executions.
        await using var server = await StartServerAsync(suggestContinueAsNewAfterEvents: 10);
        var client = await TemporalClient.ConnectAsync(new(server.Address) { DataConverter = DstackDataConverter.Instance });
        var fake = new FakeRunActivities { Offers = [] };
        var spec = Spec() with { RetryOnEvents = [FailureReason.NoCapacity], RetryDuration = TimeSpan.FromSeconds(8) };
        string id = string.Empty;
        var result = await RunAsync(fake, spec, handle =>
        {
            id = handle.Id;
            return Task.CompletedTask;
        }, client);

        // Searches at 0 s, 5 s (backoff 5 s) and 8 s (what was left): a deadline restarted by a continuation would search more.
        Assert.Equal((RunStatus.Failed, FailureReason.NoCapacity), (result.Status, result.Reason));
        Assert.Contains("within retry.duration (00:00:08)", result.Message, StringComparison.Ordinal);
        Assert.Equal(3, fake.Calls.Count(c => c == "FindOffers"));
        var executions = new List<WorkflowExecution>();
        await foreach (var execution in client.ListWorkflowsAsync($"WorkflowId = '{id}'"))
        {
            executions.Add(execution);
        }

        Assert.True(executions.Count > 1, "the wait did not continue as new");
        var started = executions.Min(e => e.StartTime);
        var closed = executions.Max(e => e.CloseTime!.Value);
        Assert.InRange(closed - started, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task Status_Query_ReportsPhaseAndInstance()
    {
        var fake = new FakeRunActivities { ExitCode = null };
        RunProgress? progress = null;
        await RunAsync(fake, Spec(), async handle =>
        {
            await fake.JobStarted;
            progress = await handle.QueryAsync(wf => wf.Status);
            await handle.SignalAsync(wf => wf.StopAsync());
        });
        Assert.NotNull(progress);
        Assert.Equal(RunStatus.Running, progress.Status);
        Assert.Equal("local", progress.Backend);
        Assert.Equal("local-type", progress.InstanceType);
    }

    [Fact]
    public async Task Run_LongWaitForCapacity_ContinuesAsNewCarryingItsState()
    {
        // A server that suggests continue-as-new early, as real Temporal does at 4,096 events.
        await using var server = await StartServerAsync(suggestContinueAsNewAfterEvents: 10);
        var client = await TemporalClient.ConnectAsync(new(server.Address) { DataConverter = DstackDataConverter.Instance });
        var fake = new FakeRunActivities();
        fake.FirstSearches.Enqueue([]);
        var spec = Spec() with { RetryOnEvents = [FailureReason.NoCapacity], RetryDuration = TimeSpan.FromMinutes(1) };
        (string Id, string? RunId) started = (string.Empty, null);
        var result = await RunAsync(fake, spec, handle =>
        {
            started = (handle.Id, handle.FirstExecutionRunId);
            return Task.CompletedTask;
        }, client);

        Assert.Equal(RunStatus.Done, result.Status);

        // The second round ran in the continued execution, and its client token did not start over at round 1.
        Assert.Equal(["FindOffers", "FindOffers", "Provision local run-1-1-2-0"], fake.Calls.Take(3));
        var first = await client.GetWorkflowHandle(started.Id, started.RunId).DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.ContinuedAsNew, first.Status);
        var last = await client.GetWorkflowHandle(started.Id).DescribeAsync();
        Assert.NotEqual(started.RunId, last.RunId);
        Assert.Equal(WorkflowExecutionStatus.Completed, last.Status);

        // The manifest went on from where it was: submitted once, its status never going back, one attempt.
        var statuses = fake.Manifests.Select(m => m.Status).ToList();
        Assert.Equal([RunStatus.Submitted, RunStatus.Provisioning, RunStatus.Running, RunStatus.Done], statuses.Where((s, i) => i == 0 || s != statuses[i - 1]));
        Assert.Single(fake.Manifests.Last().Attempts);
    }

    [Fact]
    public async Task Cancel_WhileRunning_JobStoppedArtifactsUploadedStoppedAndWorkflowCanceled()
    {
        var fake = new FakeRunActivities { ExitCode = null };
        var (result, description) = await RunToCloseAsync(fake, Spec() with { Artifacts = [new ArtifactRef("output", false)] }, async handle =>
        {
            await fake.JobStarted;
            await handle.CancelAsync();
        });

        // Stopped as `dstack stop` stops it: a graceful stop, the artifacts, the machine released last.
        Assert.Contains("StopJob force=False", fake.Calls);
        Assert.DoesNotContain("StopJob force=True", fake.Calls);
        Assert.Contains("UploadArtifacts", fake.Calls);
        Assert.Equal(["CleanUpJob", "Release local-1"], fake.Calls.TakeLast(2));
        var manifest = fake.Manifests.Last();
        Assert.Equal((RunStatus.Stopped, FailureReason.StoppedByUser, 143), (manifest.Status, manifest.Reason, manifest.ExitCode));
        Assert.Contains("cancellation from Temporal", manifest.Message, StringComparison.Ordinal);
        Assert.Equal(["output"], manifest.Artifacts);
        Assert.Equal(FailureReason.StoppedByUser, Assert.Single(manifest.Attempts).Outcome);

        // Temporal shows the request honoured; the search attribute (what the Web UI and `dstack ps` list) says stopped.
        Assert.Null(result);
        Assert.Equal(WorkflowExecutionStatus.Canceled, description.Status);
        Assert.True(description.TypedSearchAttributes.TryGetValue(DstackSearchAttributes.Status, out var status));
        Assert.Equal("stopped", status);
    }

    [Fact]
    public async Task Cancel_WhileProvisioning_MachineReleasedUnusedAndStopped()
    {
        var fake = new FakeRunActivities();
        var provision = fake.Hold("Provision");
        var (result, description) = await RunToCloseAsync(fake, Spec(), async handle =>
        {
            await provision.Reached;
            await CancelAndWaitSeenAsync(handle);
            provision.Release();
        });

        // The launch went on to its end (a cut-short launch may still make a machine); that machine was released unused.
        Assert.Equal(["FindOffers", "Provision local run-1-1-1-0", "CleanUpJob", "Release local-1"], fake.Calls);
        var manifest = fake.Manifests.Last();
        Assert.Equal((RunStatus.Stopped, FailureReason.StoppedByUser), (manifest.Status, manifest.Reason));
        Assert.Contains("cancellation from Temporal", manifest.Message, StringComparison.Ordinal);
        Assert.Null(result);
        Assert.Equal(WorkflowExecutionStatus.Canceled, description.Status);
    }

    [Fact]
    public async Task Cancel_WhileWaitingForCapacity_StoppedWithoutProvisioning()
    {
        var fake = new FakeRunActivities();
        fake.FirstSearches.Enqueue([]);
        var spec = Spec() with { RetryOnEvents = [FailureReason.NoCapacity], RetryDuration = TimeSpan.FromMinutes(1) };
        var (result, description) = await RunToCloseAsync(fake, spec, async handle =>
        {
            await Eventually.TrueAsync(
                async () => (await handle.QueryAsync(wf => wf.Status)).Events.Any(e => e.StartsWith("no capacity anywhere", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10));
            await handle.CancelAsync();
        });

        Assert.Equal(["FindOffers"], fake.Calls);
        var manifest = fake.Manifests.Last();
        Assert.Equal((RunStatus.Stopped, FailureReason.StoppedByUser), (manifest.Status, manifest.Reason));
        Assert.Contains("cancellation from Temporal", manifest.Message, StringComparison.Ordinal);
        Assert.Null(result);
        Assert.Equal(WorkflowExecutionStatus.Canceled, description.Status);
    }

    [Fact]
    public async Task Cancel_WhilePreparing_JobNeverStartedMachineReleasedStopped()
    {
        var fake = new FakeRunActivities { ExitCode = null };
        var prepare = fake.Hold("PrepareJob");
        var (result, description) = await RunToCloseAsync(fake, Spec(), async handle =>
        {
            await prepare.Reached;
            await CancelAndWaitSeenAsync(handle);
            prepare.Release();
        });

        // The job activity prepares the job; the stop it was sent meanwhile keeps the job from starting.
        Assert.DoesNotContain("ExecuteJob", fake.Calls);
        Assert.Equal(["PrepareJob", "StopJob force=False", "CleanUpJob", "Release local-1"], fake.Calls.TakeLast(4));
        Assert.Equal(RunStatus.Stopped, fake.Manifests.Last().Status);
        Assert.Null(result);
        Assert.Equal(WorkflowExecutionStatus.Canceled, description.Status);
    }

    [Fact]
    public async Task Cancel_AfterTheJobEndedWhileUploading_FinishesWithTheJobsOwnOutcome()
    {
        var fake = new FakeRunActivities();
        var upload = fake.Hold("UploadArtifacts");
        var (result, description) = await RunToCloseAsync(fake, Spec() with { Artifacts = [new ArtifactRef("output", false)] }, async handle =>
        {
            await upload.Reached;
            await CancelAndWaitSeenAsync(handle);
            upload.Release();
        });

        // Nothing was left to stop: the run is done, its artifacts kept, its machine released, and the workflow completed.
        Assert.Equal(new RunResult(RunStatus.Done, 0, null, null), result);
        Assert.Equal(WorkflowExecutionStatus.Completed, description.Status);
        Assert.DoesNotContain(fake.Calls, c => c.StartsWith("StopJob", StringComparison.Ordinal));
        Assert.Equal(["output"], fake.Manifests.Last().Artifacts);
        Assert.Equal("Release local-1", fake.Calls.Last());
    }

    private static Task<EmbeddedTemporalServer> StartServerAsync(int? suggestContinueAsNewAfterEvents) => TestServer.StartAsync(suggestContinueAsNewAfterEvents);

    private static RunSpec Spec() => TestSpecs.Bash("run-1", "echo hi");

    /// <summary>Runs the workflow, sending <c>stop</c> while its first launch is held; the launch goes on once the run has seen it.</summary>
    private Task<RunResult> StopWhileLaunchingAsync(FakeRunActivities fake)
    {
        var provision = fake.Hold("Provision");
        return RunAsync(fake, Spec(), async handle =>
        {
            await provision.Reached;
            await handle.SignalAsync(wf => wf.StopAsync());
            await WaitSeenAsync(handle, e => e.WorkflowExecutionSignaledEventAttributes is not null);
            provision.Release();
        });
    }

    /// <summary>Waits until a workflow task has seen the first event that <paramref name="isEvent"/> picks.</summary>
    private static Task WaitSeenAsync(WorkflowHandle<RunWorkflow, RunResult> handle, Func<Temporalio.Api.History.V1.HistoryEvent, bool> isEvent) =>
        Eventually.TrueAsync(
            async () =>
            {
                var events = (await handle.FetchHistoryAsync()).Events;
                var at = events.ToList().FindIndex(e => isEvent(e));
                return at >= 0 && events.Skip(at).Any(e => e.WorkflowTaskCompletedEventAttributes is not null);
            },
            TimeSpan.FromSeconds(10));

    /// <summary>Asks Temporal to cancel the run and waits until a workflow task has seen the request.</summary>
    private static async Task CancelAndWaitSeenAsync(WorkflowHandle<RunWorkflow, RunResult> handle)
    {
        await handle.CancelAsync();
        await WaitSeenAsync(handle, e => e.WorkflowExecutionCancelRequestedEventAttributes is not null);
    }

    /// <summary>Runs the workflow until it closes: its result (null when it ended as Canceled) and how Temporal describes it.</summary>
    private async Task<(RunResult? Result, WorkflowExecutionDescription Description)> RunToCloseAsync(
        FakeRunActivities fake, RunSpec spec, Func<WorkflowHandle<RunWorkflow, RunResult>, Task> whileRunning)
    {
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(_client, Worker(queue, fake));
        return await worker.ExecuteAsync(async () =>
        {
            var handle = await _client.StartWorkflowAsync(
                (RunWorkflow wf) => wf.RunAsync(new RunWorkflowInput(spec, 1)),
                new WorkflowOptions($"{spec.RunName}-{Guid.NewGuid()}", queue));
            await whileRunning(handle);
            RunResult? result = null;
            try
            {
                result = await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (WorkflowFailedException e) when (e.InnerException is CanceledFailureException)
            {
                // Ended as Canceled: the description says so.
            }

            return (result, await handle.DescribeAsync());
        });
    }

    private async Task<RunResult> RunAsync(FakeRunActivities fake, RunSpec spec, Func<WorkflowHandle<RunWorkflow, RunResult>, Task>? whileRunning = null, TemporalClient? client = null)
    {
        client ??= _client;
        var queue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(client, Worker(queue, fake));
        return await worker.ExecuteAsync(async () =>
        {
            var handle = await client.StartWorkflowAsync(
                (RunWorkflow wf) => wf.RunAsync(new RunWorkflowInput(spec, 1)),
                new WorkflowOptions($"{spec.RunName}-{Guid.NewGuid()}", queue));
            if (whileRunning is not null)
            {
                await whileRunning(handle);
            }

            var result = await handle.GetResultAsync();
            await HistoryRecorder.RecordAsync(client, handle.Id);
            return result;
        });
    }

    /// <summary>A worker for the faked activities; heartbeats reach the server at once, so cancellations reach the activities at once.</summary>
    private static TemporalWorkerOptions Worker(string queue, FakeRunActivities fake) =>
        new TemporalWorkerOptions(queue) { MaxHeartbeatThrottleInterval = TimeSpan.FromMilliseconds(100) }.AddWorkflow<RunWorkflow>().AddAllActivities(fake)
            .AddWorkflow<CapacityQueueWorkflow>().AddAllActivities(typeof(CapacityQueueActivities), null);
}
