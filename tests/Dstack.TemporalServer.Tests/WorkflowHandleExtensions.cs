using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests;

/// <summary>Raw DescribeWorkflowExecution: pending activities and workflow task, which the SDK's description does not expose.</summary>
public static class WorkflowHandleExtensions
{
    public static Task<DescribeWorkflowExecutionResponse> DescribeRawAsync(this WorkflowHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return handle.Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
        {
            Namespace = handle.Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id, RunId = handle.RunId ?? string.Empty },
        });
    }
}
