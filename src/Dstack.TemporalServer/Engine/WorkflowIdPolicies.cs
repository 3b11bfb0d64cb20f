using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// Real Temporal's workflow ID reuse and conflict policies, shared by client starts and child workflow starts
/// (a child always starts with the conflict policy FAIL).
/// </summary>
internal static class WorkflowIdPolicies
{
    /// <summary>
    /// Applies the conflict policy to an open run and the reuse policy to a closed one. Returns the run to use instead
    /// of starting (USE_EXISTING), or null: start a new run, unless <paramref name="refusal"/> says why not.
    /// </summary>
    public static WorkflowRun? Resolve(WorkflowRun existing, WorkflowIdReusePolicy reuse, WorkflowIdConflictPolicy conflict, out string? refusal)
    {
        refusal = null;
#pragma warning disable CS0612 // Deprecated in the API, yet older SDKs still send it and real Temporal still honours it.
        if (reuse == WorkflowIdReusePolicy.TerminateIfRunning)
#pragma warning restore CS0612
        {
            conflict = WorkflowIdConflictPolicy.TerminateExisting;
            reuse = WorkflowIdReusePolicy.AllowDuplicate;
        }

        if (existing.IsOpen)
        {
            switch (conflict)
            {
                case WorkflowIdConflictPolicy.UseExisting:
                    return existing;
                case WorkflowIdConflictPolicy.TerminateExisting:
                    existing.Terminate("terminated by new run", null, string.Empty);
                    return null;
                default:
                    refusal = $"Workflow execution is already running. WorkflowId: {existing.WorkflowId}, RunId: {existing.RunId}.";
                    return null;
            }
        }

        var failedBefore = existing.Status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.Canceled
            or WorkflowExecutionStatus.Terminated or WorkflowExecutionStatus.TimedOut;
        refusal = reuse switch
        {
            WorkflowIdReusePolicy.RejectDuplicate =>
                $"Workflow execution already finished. WorkflowId: {existing.WorkflowId}, RunId: {existing.RunId}. Workflow Id reuse policy: reject duplicate workflow Id.",
            WorkflowIdReusePolicy.AllowDuplicateFailedOnly when !failedBefore =>
                $"Workflow execution already finished successfully. WorkflowId: {existing.WorkflowId}, RunId: {existing.RunId}. Workflow Id reuse policy: allow duplicate workflow Id if last run failed.",
            _ => null,
        };
        return null;
    }
}
