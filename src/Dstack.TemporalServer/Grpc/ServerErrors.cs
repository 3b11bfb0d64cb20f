using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.ErrorDetails.V1;

namespace Dstack.TemporalServer.Grpc;

/// <summary>
/// The errors real Temporal answers with: same status codes, messages and details, because the SDK
/// maps them to typed exceptions (WorkflowAlreadyStartedException, RpcException.Code, …).
/// </summary>
internal static class ServerErrors
{
    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException ActivityNotFound() =>
        NotFound("Can't find pending activity with such ID. Invalid activityID or activity already completed");

    public static RpcException WorkflowNotFound() => NotFound("workflow execution not found");

    public static RpcException WorkflowCompleted() => NotFound("workflow execution already completed");

    public static RpcException WorkflowTaskNotFound() => NotFound("Workflow task not found.");

    public static RpcException ActivityTaskNotFound() => NotFound("activity task not found.");

    public static RpcException NamespaceNotFound(string name) =>
        WithDetail(StatusCode.NotFound, $"Namespace {name} is not found.", new NamespaceNotFoundFailure { Namespace = name });

    public static RpcException AlreadyStarted(string message, string startRequestId, string runId) =>
        WithDetail(StatusCode.AlreadyExists, message, new WorkflowExecutionAlreadyStartedFailure { StartRequestId = startRequestId, RunId = runId });

    public static RpcException QueryFailed(string message, Temporalio.Api.Failure.V1.Failure? failure) =>
        WithDetail(StatusCode.InvalidArgument, message, new QueryFailedFailure { Failure = failure });

    public static RpcException WorkflowNotReady() =>
        WithDetail(StatusCode.FailedPrecondition, "workflow execution is not ready to handle queries", new WorkflowNotReadyFailure());

    public static RpcException BlobTooLarge() => InvalidArgument("Blob data size exceeds limit.");

    private static RpcException WithDetail(StatusCode code, string message, IMessage detail)
    {
        var status = new GrpcStatus { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(detail));
        var trailers = new Metadata { { "grpc-status-details-bin", status.ToByteArray() } };
        return new RpcException(new Status(code, message), trailers);
    }
}
