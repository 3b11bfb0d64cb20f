using Dstack.TemporalServer.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>DescribeTaskQueue: who polled a queue lately, as the Web UI shows on a workflow's page.</content>
internal sealed partial class WorkflowServiceEndpoint
{
    private DescribeTaskQueueResponse DescribeTaskQueue(DescribeTaskQueueRequest request, ServerCallContext context)
    {
#pragma warning disable CS0612 // The mode is deprecated in the API; a client that asks for the enhanced one must still be told no.
        if (request.ApiMode == DescribeTaskQueueMode.Enhanced)
#pragma warning restore CS0612
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "DescribeTaskQueue in the deprecated enhanced mode is not supported by this server."));
        }

        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            if (request.TaskQueue is null)
            {
                throw ServerErrors.InvalidArgument("taskQueue is not set");
            }

            if (string.IsNullOrEmpty(request.TaskQueue.Name))
            {
                throw ServerErrors.InvalidArgument("missing task queue name");
            }

            if (request.TaskQueue.Name.Length > MaxIdLength)
            {
                throw ServerErrors.InvalidArgument("taskQueue length exceeds limit");
            }

            // Unspecified means workflow, as in real Temporal. A sticky queue is found by its own name; a queue nobody
            // polled (or a Nexus queue, which this server has none of) has no pollers rather than being an error.
            var queue = request.TaskQueueType switch
            {
                TaskQueueType.Unspecified or TaskQueueType.Workflow => ns.FindQueue(request.TaskQueue.Name, activity: false),
                TaskQueueType.Activity => ns.FindQueue(request.TaskQueue.Name, activity: true),
                _ => null,
            };
            var response = new DescribeTaskQueueResponse();
            foreach (var recent in queue?.RecentPollers.Recent(_engine.UtcNow) ?? [])
            {
                var info = new PollerInfo
                {
                    Identity = recent.Poller.Identity,
                    LastAccessTime = Timestamp.FromDateTime(recent.LastAccessTime),
                    RatePerSecond = recent.Poller.RatePerSecond,
                    DeploymentOptions = recent.Poller.DeploymentOptions,
                };
#pragma warning disable CS0612 // Deprecated in the API, yet real Temporal still reports what build ID versioned workers send.
                info.WorkerVersionCapabilities = recent.Poller.VersionCapabilities;
#pragma warning restore CS0612
                response.Pollers.Add(info);
            }

            return response;
        }
    }
}
