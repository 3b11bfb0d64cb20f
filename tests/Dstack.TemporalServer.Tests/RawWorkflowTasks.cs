using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests;

/// <summary>Plays the worker with raw workflow task polls, for tests of protocol details the SDK hides.</summary>
public static class RawWorkflowTasks
{
    /// <summary>Polls until a workflow task comes (an empty answer is a long poll that ran out).</summary>
    public static async Task<PollWorkflowTaskQueueResponse> PollAsync(TemporalClient client, string queue, string identity)
    {
        ArgumentNullException.ThrowIfNull(client);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var task = await client.Connection.WorkflowService.PollWorkflowTaskQueueAsync(new()
            {
                Namespace = client.Options.Namespace,
                TaskQueue = new() { Name = queue },
                Identity = identity,
            });
            if (!task.TaskToken.IsEmpty)
            {
                return task;
            }
        }

        throw new TimeoutException($"no workflow task on {queue}");
    }
}
