using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>A client query waiting for a worker's answer.</summary>
internal sealed class PendingQuery(string id, WorkflowQuery query)
{
    public string Id { get; } = id;

    public WorkflowQuery Query { get; } = query;

    public TaskCompletionSource<RespondQueryTaskCompletedRequest> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets the started event ID of the workflow task the query rides on.</summary>
    public long WorkflowTaskStartedEventId { get; set; }
}
