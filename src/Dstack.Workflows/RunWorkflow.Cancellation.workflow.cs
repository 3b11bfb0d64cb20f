using Dstack.Core.Runs;
using Dstack.Workflows.Contracts;
using Temporalio.Workflows;

namespace Dstack.Workflows;

/// <summary>
/// A cancellation request from Temporal (the Web UI's "Request Cancellation", <c>temporal workflow cancel</c>) stops the
/// run as the <c>stop</c> signal does: the job is stopped gracefully, its artifacts are uploaded, the machine is released
/// and the manifest and search attributes say <c>stopped</c>. So the run's own steps never take
/// <see cref="Workflow.CancellationToken"/>: cancelled, it would tear the job's activity down instead of stopping the job,
/// and refuse every step after it (the upload, the manifest, the release).
/// </summary>
/// <remarks>
/// Once the run has stopped, the workflow ends as Canceled by rethrowing the cancellation after its cleanup. That is
/// what Temporal users expect of a workflow that handles cancellation gracefully (the SDKs' samples clean up in a
/// detached scope, then rethrow): the UI and <c>temporal workflow describe</c> show the request was honoured, while
/// <c>dstack ps</c> reads <c>stopped</c> from the manifest. A run whose job ended by itself before the stop reached it
/// (the request came while its artifacts were uploading) keeps its own outcome and completes normally: the request
/// changed nothing. A launch under way is let finish rather than cut short: the provision activity does not heartbeat,
/// so a cancel would never reach it, and a machine could appear after a release by client token had found none; the
/// machine it makes is released unused, as after a <c>stop</c>. Runs started before this existed replay without it: a
/// cancellation still tears them down.
/// </remarks>
public sealed partial class RunWorkflow
{
    /// <summary>The patch that turned a cancellation request into a graceful stop.</summary>
    private const string CancelAsStopPatch = "cancel-as-stop";

    private const string CancelStop = "stop requested (cancellation from Temporal)";

    private bool _cancelAsStop;

    /// <summary>Whether Temporal asked to cancel this run; only ever set when the run handles that as a stop.</summary>
    private bool _cancelRequested;

    /// <summary>Gets a value indicating whether the run should stop gracefully: the <c>stop</c> signal or a cancellation request.</summary>
    private bool StopWanted => _stopRequested || _cancelRequested;

    /// <summary>Gets the token the run's own steps take: never cancelled when a cancellation request is a stop.</summary>
    private CancellationToken StepToken => _cancelAsStop ? CancellationToken.None : Workflow.CancellationToken;

    /// <summary>Gets what asked the run to stop, for the <c>status</c> query's events and the manifest.</summary>
    private string StopCause => _stopRequested ? "stop requested" : CancelStop;

    /// <summary>Starts noticing a cancellation request, when the run handles one as a stop.</summary>
    private void WatchForCancellation()
    {
        if (_cancelAsStop)
        {
            // Left running: it ends with the request, or with the workflow.
            _ = NoticeCancellationAsync();
        }
    }

    /// <summary>
    /// Sets <see cref="_cancelRequested"/> when the request comes. A wait on the workflow's token is what makes the SDK
    /// run the workflow's wait conditions again: cancelling the token alone schedules nothing, so a condition that only
    /// read the token would not be looked at until some other event came.
    /// </summary>
    private async Task NoticeCancellationAsync()
    {
        try
        {
            await Workflow.WaitConditionAsync(() => false, Workflow.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            _cancelRequested = true;
        }
    }

    /// <summary>Gets <paramref name="options"/> with <see cref="StepToken"/>, unless they carry a token of their own.</summary>
    private ActivityOptions Step(ActivityOptions options)
    {
        if (!_cancelAsStop || options.CancellationToken is not null)
        {
            return options;
        }

        var detached = (ActivityOptions)options.Clone();
        detached.CancellationToken = CancellationToken.None;
        return detached;
    }

    /// <summary>Gets <paramref name="options"/> with <see cref="StepToken"/>, unless they carry a token of their own.</summary>
    private LocalActivityOptions Step(LocalActivityOptions options)
    {
        if (!_cancelAsStop || options.CancellationToken is not null)
        {
            return options;
        }

        var detached = (LocalActivityOptions)options.Clone();
        detached.CancellationToken = CancellationToken.None;
        return detached;
    }

    /// <summary>
    /// Ends the workflow as Canceled when a cancellation request is what stopped the run (see the remarks above);
    /// otherwise returns the run's result.
    /// </summary>
    private RunResult EndAsCanceledIfStopped(RunResult result) =>
        _cancelRequested && result.Status == RunStatus.Stopped
            ? throw new OperationCanceledException($"The run was stopped: {CancelStop}.", Workflow.CancellationToken)
            : result;
}
