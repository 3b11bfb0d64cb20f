namespace Dstack.TemporalServer.Engine;

/// <summary>Where a workflow update is (real Temporal's update states, without the provisional ones).</summary>
internal enum UpdateState
{
    /// <summary>Received by the server and waiting for the next workflow task; kept in memory only.</summary>
    Admitted,

    /// <summary>Delivered to the worker in the started workflow task, which must accept or reject it.</summary>
    Sent,

    /// <summary>Accepted by the workflow: the UpdateAccepted event holds the request.</summary>
    Accepted,

    /// <summary>Has its outcome or error: completed, rejected, or aborted when the run closed.</summary>
    Finished,
}
