using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>
/// Starts a schedule's workflows the way real Temporal's scheduler does: through the frontend's StartWorkflowExecution,
/// with all its checks and ID policies. Called under the engine lock.
/// </summary>
internal interface IScheduledWorkflowStarter
{
    /// <summary>Starts the workflow, or throws the RpcException a client would get.</summary>
    StartWorkflowExecutionResponse Start(StartWorkflowExecutionRequest request);
}
