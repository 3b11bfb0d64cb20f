using Dstack.Core.Runs;
using Dstack.Workflows.Contracts;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Dstack.Workflows;

/// <summary>
/// Continue-as-new: a run waiting long for capacity (or interrupted many times) would grow its history without bound, so
/// when Temporal suggests it (4,096 events or 4 MiB by default), the run goes on in a new execution of the same workflow
/// ID with its state carried over. It happens only at the top of a capacity round, when no machine is held or being
/// launched, and never before this execution has made progress, so a continued run cannot loop.
/// </summary>
public sealed partial class RunWorkflow
{
    /// <summary>How many recent events the <c>status</c> query keeps (and a continued run carries).</summary>
    private const int EventsKept = 20;

    /// <summary>The patch that added continue-as-new and the stop check at the top of each capacity round.</summary>
    private const string ContinueAsNewPatch = "continue-as-new";

    private bool _progressed;

    private bool ShouldContinueAsNew => _progressed && _provisioning is null && _instance is null && Workflow.ContinueAsNewSuggested;

    private void Restore(RunContinuation carried)
    {
        _manifest = carried.Manifest;
        _logOffset = carried.LogOffset;
        _events.AddRange(carried.Events);
        _stopRequested |= carried.StopRequested;
        _abortRequested |= carried.AbortRequested;
        Note($"continued as new at capacity round {carried.Round}");
    }

    private ContinueAsNewException ContinueAsNew(RunSpec spec)
    {
        var carried = RunContinuation.Of(_manifest, _search, _logOffset, [.. _events], _stopRequested, _abortRequested);
        return Workflow.CreateContinueAsNewException((RunWorkflow wf) => wf.RunAsync(new RunWorkflowInput(spec, _attempt, carried, _ownLookAfter)));
    }

    /// <summary>Records an event for the <c>status</c> query, keeping the last few.</summary>
    private void Note(string text)
    {
        _events.Add(text);
        if (_events.Count > EventsKept)
        {
            _events.RemoveRange(0, _events.Count - EventsKept);
        }
    }
}
