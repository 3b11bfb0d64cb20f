using Dstack.Workflows.Queue;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Dstack.Cli.Runs;

/// <summary>Reads the capacity queue of the workers' task queue (its <c>waiting</c> query) for <c>dstack ps</c>.</summary>
internal static class CapacityQueueReader
{
    /// <summary>Gets each waiting run's place, by run name; empty when no queue is running.</summary>
    public static async Task<IReadOnlyDictionary<string, QueuePlace>> ReadAsync(ITemporalClient temporal, string taskQueue, CancellationToken cancellationToken)
    {
        IReadOnlyList<QueuedRun> waiting;
        try
        {
            waiting = await temporal.GetWorkflowHandle(CapacityQueueWorkflow.IdFor(taskQueue)).QueryAsync<IReadOnlyList<QueuedRun>>(
                CapacityQueueWorkflow.WaitingQuery, [], new WorkflowQueryOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } });
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return new Dictionary<string, QueuePlace>();
        }

        var places = new Dictionary<string, QueuePlace>(StringComparer.Ordinal);
        foreach (var line in waiting.GroupBy(r => r.Shape, StringComparer.Ordinal))
        {
            var runs = line.ToList();
            for (var i = 0; i < runs.Count; i++)
            {
                places[runs[i].RunId] = new QueuePlace(i + 1, runs.Count, line.Key);
            }
        }

        return places;
    }
}
