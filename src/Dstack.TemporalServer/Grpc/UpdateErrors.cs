using System.Globalization;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Failure.V1;

namespace Dstack.TemporalServer.Grpc;

/// <summary>
/// The errors and failures of workflow updates and update-with-start, as real Temporal answers them: the SDK turns
/// an update's failure outcome into WorkflowUpdateFailedException and unpacks MultiOperationExecutionFailure.
/// </summary>
internal static class UpdateErrors
{
    /// <summary>Gets the outcome of an accepted update whose run closed first (real Temporal's AcceptedUpdateCompletedWorkflowFailure).</summary>
    public static Failure AcceptedUpdateCompletedWorkflow => new()
    {
        Message = "Workflow Update failed because the Workflow completed before the Update completed.",
        Source = "Server",
        ApplicationFailureInfo = new ApplicationFailureInfo { Type = "AcceptedUpdateCompletedWorkflow", NonRetryable = true },
    };

    /// <summary>Gets the rejection of an update the worker neither accepted nor rejected in the task that delivered it.</summary>
    public static Failure UnprocessedUpdate => new()
    {
        Message = "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
        Source = "Server",
        ApplicationFailureInfo = new ApplicationFailureInfo { Type = "UnprocessedUpdate", NonRetryable = true },
    };

    private const string AbortedByClosingWorkflowMessage = "workflow update was aborted by closing workflow";

    public static RpcException AbortedByClosingWorkflow() => ServerErrors.NotFound(AbortedByClosingWorkflowMessage);

    public static bool IsAbortedByClosingWorkflow(RpcException error) =>
        error.StatusCode == StatusCode.NotFound && error.Status.Detail == AbortedByClosingWorkflowMessage;

    public static RpcException NotFound(string updateId) =>
        ServerErrors.NotFound(string.Create(CultureInfo.InvariantCulture, $"update \"{updateId}\" not found"));

    public static RpcException WorkflowTaskFailing() => ServerErrors.WithDetail(
        StatusCode.FailedPrecondition, "Unable to perform workflow execution update due to Workflow Task in failed state.", new WorkflowNotReadyFailure());

    public static RpcException WorkflowTaskFailed() => ServerErrors.WithDetail(
        StatusCode.FailedPrecondition, "Unable to perform workflow execution update due to unexpected workflow task failure.", new WorkflowNotReadyFailure());

    public static RpcException AdmittedStageNotSupported() => ServerErrors.WithDetail(
        StatusCode.PermissionDenied,
        "UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.",
        new PermissionDeniedFailure());

    public static RpcException TooManyInFlight(int limit) => ServerErrors.WithDetail(
        StatusCode.ResourceExhausted,
        string.Create(CultureInfo.InvariantCulture, $"limit on number of concurrent in-flight updates has been reached ({limit})"),
        new ResourceExhaustedFailure { Cause = ResourceExhaustedCause.ConcurrentLimit, Scope = ResourceExhaustedScope.Namespace });

    public static RpcException TooManyTotal(int limit) => new(new Status(
        StatusCode.FailedPrecondition,
        string.Create(CultureInfo.InvariantCulture, $"The limit on the total number of distinct updates in this workflow has been reached ({limit}). ") +
        "Make sure any duplicate updates share an Update ID so the server can deduplicate them, and consider rejecting updates that you aren't going to process. " +
        "You can also Continue-as-New to avoid this; we recommend you check Continue-as-New Suggested in your Workflow."));

    /// <summary>Gets the status of an operation of a multi-operation that was not executed because another failed.</summary>
    public static RpcException OperationAborted() =>
        ServerErrors.WithDetail(StatusCode.Aborted, "Operation was aborted.", new MultiOperationExecutionAborted());

    /// <summary>
    /// The error of a failed multi-operation: one status per operation (null for one that succeeded), the call's code
    /// being the first that is neither OK nor an aborted operation's.
    /// </summary>
    public static RpcException MultiOperation(string message, IReadOnlyList<RpcException?> operations)
    {
        var failure = new MultiOperationExecutionFailure();
        StatusCode? code = null;
        foreach (var operation in operations)
        {
            var status = new MultiOperationExecutionFailure.Types.OperationStatus();
            if (operation is not null)
            {
                status.Code = (int)operation.StatusCode;
                status.Message = operation.Status.Detail;
                status.Details.AddRange(Details(operation));
                if (code is null && !status.Details.Any(d => d.Is(MultiOperationExecutionAborted.Descriptor)))
                {
                    code = operation.StatusCode;
                }
            }

            failure.Statuses.Add(status);
        }

        return ServerErrors.WithDetail(code ?? StatusCode.Aborted, message, failure);
    }

    private static RepeatedField<Any> Details(RpcException error)
    {
        var bytes = error.Trailers.GetValueBytes("grpc-status-details-bin");
        return bytes is null ? [] : GrpcStatus.Parser.ParseFrom(bytes).Details;
    }
}
