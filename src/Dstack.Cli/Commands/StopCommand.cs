using System.CommandLine;
using Dstack.Cli.Runs;
using Dstack.Core.Runs;
using Dstack.Workflows;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack stop</c>: asks a run to stop (artifacts are still uploaded) or to abort (killed, nothing uploaded).</summary>
internal sealed class StopCommand : DstackCommand
{
    private static readonly Argument<string?> RunArgument = new("RUN")
    {
        Description = "The run to stop.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<bool> AllOption = new("--all", "-a") { Description = "Stop every unfinished run." };

    private static readonly Option<bool> AbortOption = new("--abort", "-x")
    {
        Description = "Abort: kill the job now and upload nothing (default: stop gracefully and upload the artifacts).",
    };

    private static readonly Option<bool> YesOption = new("--yes", "-y") { Description = "Do not ask for confirmation." };

    /// <summary>How long <c>dstack stop</c> waits for a run to end before it says the run is still stopping.</summary>
    private static readonly TimeSpan StopDeadline = TimeSpan.FromMinutes(2);

    private readonly CliContext _context;

    public StopCommand(IAnsiConsole console, CliContext context)
        : base("stop", "Stop a run (its artifacts are still uploaded), or abort it with -x.", console)
    {
        _context = context;
        Arguments.Add(RunArgument);
        Options.Add(AllOption);
        Options.Add(AbortOption);
        Options.Add(YesOption);
        Validators.Add(result =>
        {
            if ((result.GetValue(RunArgument) is null) == !result.GetValue(AllOption))
            {
                result.AddError("name a RUN or pass -a (--all), not both.");
            }
        });
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var abort = parseResult.GetValue(AbortOption);
        var yes = parseResult.GetValue(YesOption);
        var verb = abort ? "Abort" : "Stop";
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var manifests = new ManifestStore(storage);

        if (parseResult.GetValue(RunArgument) is { } run)
        {
            var manifest = await manifests.ReadAsync(run, cancellationToken);
            if (manifest is not null && manifest.Status.IsFinished())
            {
                throw new CommandException($"run {run} is already finished ({manifest.Status.ToDisplayName()}).");
            }

            var client = await _context.ConnectTemporalAsync(cancellationToken);
            if (manifest is not null && await new RunCatalog(storage, client).GetAsync(run, cancellationToken) is { Lost: true } lost)
            {
                return await StopLostAsync(manifests, lost, manifest, abort, yes, cancellationToken);
            }

            if (!await Confirmation.ConfirmAsync(Console, $"{verb} the run '{run}'?", yes, cancellationToken))
            {
                return ExitCodes.Ok;
            }

            await SignalAsync(client, manifests, run, abort, cancellationToken);
            await WaitUntilEndedAsync(client, manifests, [run], cancellationToken);
            return ExitCodes.Ok;
        }

        var temporal = await _context.ConnectTemporalAsync(cancellationToken);
        var live = (await new RunCatalog(storage, temporal).ListAsync(cancellationToken)).Where(r => r.Live).Select(r => r.Name).ToList();
        if (live.Count == 0)
        {
            Console.MarkupLine("No unfinished runs.");
            return ExitCodes.Ok;
        }

        var noun = live.Count == 1 ? "run" : $"{live.Count} runs";
        if (!await Confirmation.ConfirmAsync(Console, $"{verb} {noun} ({string.Join(", ", live)})?", yes, cancellationToken))
        {
            return ExitCodes.Ok;
        }

        foreach (var name in live)
        {
            await SignalAsync(temporal, manifests, name, abort, cancellationToken);
        }

        await WaitUntilEndedAsync(temporal, manifests, live, cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// A lost run has no workflow left to signal (terminated, or its server restarted): the job it left is stopped and
    /// its machine released here, and its manifest says it ended, so that <c>dstack ps</c> no longer shows it unfinished.
    /// </summary>
    private async Task<int> StopLostAsync(ManifestStore manifests, RunView run, RunManifest manifest, bool abort, bool yes, CancellationToken cancellationToken)
    {
        var ended = run.EndedInTemporal is { } how ? $"was {how} in Temporal" : "is not open in Temporal (server restarted, or workflow terminated)";
        var question = $"The workflow of '{run.Name}' {ended}. {(abort ? "Kill" : "Stop")} the job it left and release its machine?";
        if (!await Confirmation.ConfirmAsync(Console, question, yes, cancellationToken))
        {
            return ExitCodes.Ok;
        }

        var cleanup = new LostRunCleanup(_context);
        var done = await cleanup.ReleaseAsync(manifest, force: abort, cancellationToken) ?? "found no machine to release";
        var message = $"The run's workflow {ended}; `dstack stop` {done}. Artifacts were not uploaded.";
        var finished = abort
            ? cleanup.Finish(manifest, RunStatus.Aborted, FailureReason.AbortedByUser, message)
            : cleanup.Finish(manifest, RunStatus.Stopped, FailureReason.StoppedByUser, message);
        await manifests.WriteAsync(finished, cancellationToken);
        Console.MarkupLineInterpolated($"[green]OK[/]: {run.Name} {finished.Status.ToDisplayName()}; {done}.");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Waits, up to <see cref="StopDeadline"/>, until the workflows of <paramref name="runs"/> have closed, then says how
    /// each ended. A signal only asks: the job still gets SIGTERM and its grace period, its artifacts are uploaded and
    /// its machine released, and an <c>OK</c> printed before that made <c>dstack ps</c> contradict it for seconds.
    /// Temporal's long poll for the result tells when a workflow closes, so nothing polls on a timer.
    /// </summary>
    private async Task WaitUntilEndedAsync(ITemporalClient client, ManifestStore manifests, IReadOnlyList<string> runs, CancellationToken cancellationToken)
    {
        Console.MarkupLineInterpolated($"Stopping {string.Join(", ", runs)}...");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StopDeadline);
        var waits = runs.Select(run => WaitForCloseAsync(client, run, deadline.Token, cancellationToken));
        await foreach (var closing in Task.WhenEach(waits))
        {
            var (run, closed) = await closing;
            if (closed)
            {
                var manifest = await manifests.ReadAsync(run, cancellationToken);
                var ended = manifest is { Status: var s } && s.IsFinished() ? s.ToDisplayName() : "ended";
                Console.MarkupLineInterpolated($"[green]OK[/]: {run} {ended}");
            }
            else
            {
                // Past the deadline the run is not stuck: uploading big artifacts or releasing a cloud machine takes time.
                Console.MarkupLineInterpolated(
                    $"{run} is stopping (asked {(int)StopDeadline.TotalSeconds} s ago; it may still be uploading its artifacts or releasing its machine): `dstack ps {run}` shows when it has stopped.");
            }
        }
    }

    /// <summary>Whether <paramref name="run"/>'s workflow closed (in any way) before <paramref name="deadline"/>.</summary>
    private static async Task<(string Run, bool Closed)> WaitForCloseAsync(ITemporalClient client, string run, CancellationToken deadline, CancellationToken cancellationToken)
    {
        try
        {
            // The workflow ID without a run ID, following continue-as-new to the newest run.
            await client.GetWorkflowHandle(run).GetResultAsync(rpcOptions: new RpcOptions { CancellationToken = deadline });
            return (run, true);
        }
        catch (Exception e) when (e is WorkflowFailedException or RpcException { Code: RpcException.StatusCode.NotFound })
        {
            // Stopped runs end as failed, canceled or terminated too; a workflow Temporal no longer has is over as well.
            return (run, true);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (run, false);
        }
    }

    private static async Task SignalAsync(ITemporalClient client, ManifestStore manifests, string run, bool abort, CancellationToken cancellationToken)
    {
        var handle = client.GetWorkflowHandle<RunWorkflow>(run);
        var options = new WorkflowSignalOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } };
        try
        {
            if (abort)
            {
                await handle.SignalAsync(wf => wf.AbortAsync(), options);
            }
            else
            {
                await handle.SignalAsync(wf => wf.StopAsync(), options);
            }
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            // Not open in Temporal: it finished since we looked, or it never will (server restarted, workflow terminated).
            var manifest = await manifests.ReadAsync(run, cancellationToken);
            throw manifest switch
            {
                null => new CommandException($"run {run} not found."),
                { Status: var s } when s.IsFinished() => new CommandException($"run {run} is already finished ({s.ToDisplayName()})."),
                _ => new CommandException(
                    $"run {run} is {manifest.Status.ToDisplayName()} in storage, but Temporal has no open workflow for it (server restarted, or workflow terminated): it will never finish. `dstack stop {run}` again stops the job it left; `dstack rm {run}` removes it."),
            };
        }
    }
}
