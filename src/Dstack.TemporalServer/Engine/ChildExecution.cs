using Temporalio.Api.History.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// A child workflow the parent initiated and that has not closed yet (real Temporal's ChildExecutionInfo). What the
/// StartChildWorkflowExecutionInitiated event holds is read from there; only what happened since is kept here.
/// </summary>
internal sealed class ChildExecution(long initiatedEventId, StartChildWorkflowExecutionInitiatedEventAttributes attributes)
{
    public long InitiatedEventId { get; } = initiatedEventId;

    public StartChildWorkflowExecutionInitiatedEventAttributes Attributes { get; } = attributes;

    /// <summary>Gets or sets the ChildWorkflowExecutionStarted event's ID; 0 until the child started.</summary>
    public long StartedEventId { get; set; }

    /// <summary>Gets or sets the child's first run ID: the parent follows the child across its continue-as-new runs by it.</summary>
    public string StartedRunId { get; set; } = string.Empty;

    public bool IsStarted => StartedEventId != 0;
}
