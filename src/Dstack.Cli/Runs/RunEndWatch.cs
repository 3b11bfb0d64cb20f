using Dstack.Cli.Temporal;
using Dstack.Core.Runs;
using Dstack.Core.Settings;
using Dstack.Workflows.Contracts;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Dstack.Cli.Runs;

/// <summary>
/// The end of a run that the CLI follows, through a Temporal server that may die meanwhile. The run does not die with
/// the server (its job runs detached, and a persistent server resumes the workflow), so neither does the CLI: it says
/// once that the server stopped answering, starts the local one again as <c>dstack run</c> does at start (a remote one
/// it waits for), and asks the new one; the run's manifest in storage also tells when the run ended.
/// </summary>
internal sealed class RunEndWatch(TemporalConnector connector, DstackSettings settings, ManifestStore manifests, IAnsiConsole console)
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>Waits for the run's result; it throws what Temporal says of the workflow, never that the server is gone.</summary>
    public async Task<RunResult> WaitAsync(WorkflowHandle handle, string runName)
    {
        var warned = false;
        while (true)
        {
            try
            {
                return await handle.GetResultAsync<RunResult>();
            }
            catch (RpcException e) when (IsUnreachable(e))
            {
                if (!warned)
                {
                    console.MarkupLineInterpolated($"[yellow]The Temporal server at {LocalServerAddress.Resolve(settings)} stopped answering ({e.Message}); {runName} goes on. Waiting for the server (a local one is started again) and following the log meanwhile.[/]");
                    warned = true;
                }
            }

            if (await ReconnectAsync(runName) is not { } reconnected)
            {
                return await EndedInStorageAsync(runName);
            }

            handle = reconnected;
        }
    }

    private static bool IsUnreachable(RpcException e) =>
        e.Code is RpcException.StatusCode.Unavailable or RpcException.StatusCode.DeadlineExceeded or RpcException.StatusCode.Unknown or RpcException.StatusCode.Cancelled;

    /// <summary>A handle on a server that answers again, or null when the manifest says the run ended first.</summary>
    private async Task<WorkflowHandle?> ReconnectAsync(string runName)
    {
        while (true)
        {
            if (await manifests.ReadAsync(runName, CancellationToken.None) is { } manifest && manifest.Status.IsFinished())
            {
                return null;
            }

            try
            {
                var client = await connector.ConnectAsync(settings, startServerIfDown: true, CancellationToken.None);
                return client.GetWorkflowHandle(runName);
            }
            catch (Exception e) when (e is TemporalUnavailableException or RpcException or InvalidOperationException)
            {
                // Still down (or still starting): look again shortly.
            }

            await Task.Delay(RetryInterval, CancellationToken.None);
        }
    }

    private async Task<RunResult> EndedInStorageAsync(string runName)
    {
        var manifest = (await manifests.ReadAsync(runName, CancellationToken.None))!;
        return new RunResult(manifest.Status, manifest.ExitCode, manifest.Reason, manifest.Message);
    }
}
