using Dstack.Cli.DevEnvironments;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows;
using Dstack.Workflows.Contracts;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Dstack.Cli.Runs;

/// <summary>
/// Follows a submitted run in the terminal (<c>dstack run</c> without <c>-d</c>): its log as the job writes it, its ports
/// forwarded, Ctrl+C asking whether to stop it or detach, and the exit code of its job at the end.
/// </summary>
internal sealed class RunFollower(IAnsiConsole console, CliContext context)
{
    private static readonly TimeSpan LogPollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Streams the run's log from storage until the workflow ends; Ctrl+C asks whether to stop the run or detach.</summary>
    public async Task<int> FollowAsync(WorkflowHandle handle, IStorage storage, RunEndWatch watch, string runName, bool servesPorts, bool detachOnInterrupt, CancellationToken cancellationToken)
    {
        var logs = new LogStore(storage);
        var output = new LogWriter(console.Profile.Out.Writer);
        await using var ports = servesPorts ? PortSession.Start(context, handle, runName, output, console.Profile.Out.Writer) : null;
        var result = watch.WaitAsync(handle, runName);
        long offset = 0;
        var detached = false;
        var interrupted = false;
        while (true)
        {
            var (data, next) = await logs.ReadAsync(runName, StorageLayout.MainJob, offset, CancellationToken.None);
            if (data.Length > 0)
            {
                context.Timing.Mark("first log bytes");
                await output.WriteAsync(data, flush: false);
                offset = next;
                continue;
            }

            if (result.IsCompleted)
            {
                await output.WriteAsync([], flush: true);
                break;
            }

            if (ports is not null && !cancellationToken.IsCancellationRequested)
            {
                await ports.PollAsync(CancellationToken.None);
            }

            if (cancellationToken.IsCancellationRequested && !detached)
            {
                if (!await AskStopAsync(handle, runName, detachOnInterrupt))
                {
                    console.MarkupLineInterpolated($"Detached from [bold]{runName}[/]; it keeps running. Follow it with `dstack logs {runName} -f`, stop it with `dstack stop {runName}`.");
                    return ExitCodes.Ok;
                }

                detached = true;
                interrupted = !console.Profile.Capabilities.Interactive;
            }

            await Task.WhenAny(result, Task.Delay(LogPollInterval, CancellationToken.None));
        }

        RunResult run;
        try
        {
            run = await result;
        }
        catch (WorkflowFailedException e)
        {
            // Cancelled from outside (the Temporal Web UI's "Request Cancellation"): the run stopped gracefully, and its
            // manifest says how it ended.
            var manifest = e.InnerException is CanceledFailureException ? await new ManifestStore(storage).ReadAsync(runName, CancellationToken.None) : null;
            if (manifest is not { Status: var ended } || !ended.IsFinished())
            {
                // Terminated from outside (e.g. the Temporal Web UI), or timed out: not a run result.
                console.MarkupLineInterpolated($"[red]{runName} ended in Temporal without a result[/]: {e.InnerException?.Message ?? e.Message}");
                return ExitCodes.RunFailure;
            }

            run = new RunResult(ended, manifest.ExitCode, manifest.Reason, manifest.Message);
        }

        var status = run.Status.ToDisplayName();
        if (interrupted)
        {
            console.MarkupLineInterpolated($"[yellow]{runName} {status}[/] (interrupted)");
            return Interrupts.ExitCode;
        }

        if (run.Status == RunStatus.Done)
        {
            console.MarkupLineInterpolated($"[green]{runName} {status}[/]");
            return ExitCodes.Ok;
        }

        console.MarkupLineInterpolated($"[red]{runName} {status}[/]{(run.Message is null ? string.Empty : ": " + run.Message)}");
        return run.ExitCode is { } code && code != 0 ? code : ExitCodes.RunFailure;
    }

    private async Task<bool> AskStopAsync(WorkflowHandle handle, string runName, bool detachOnInterrupt)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            // No one to ask: a cancelled CI job must not leave its run going and report success.
            if (detachOnInterrupt)
            {
                return false;
            }

            await handle.Client.GetWorkflowHandle<RunWorkflow>(handle.Id).SignalAsync(wf => wf.StopAsync());
            console.MarkupLineInterpolated($"Interrupted without a terminal: stopping [bold]{runName}[/] as `dstack stop` does (--detach-on-interrupt leaves it running); its artifacts will still be uploaded.");
            return true;
        }

        var stop = await console.ConfirmAsync($"Stop the run '{runName}'? (no detaches and leaves it running)", defaultValue: false, CancellationToken.None);
        if (stop)
        {
            await handle.Client.GetWorkflowHandle<RunWorkflow>(handle.Id).SignalAsync(wf => wf.StopAsync());
            console.MarkupLineInterpolated($"Stopping [bold]{runName}[/]; its artifacts will still be uploaded.");
        }

        return stop;
    }
}
