using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace Dstack.Workflows.Queue;

/// <summary>The run's side of the capacity queue that needs a client: joining starts the queue when it is not running.</summary>
public static class CapacityQueueActivities
{
    /// <summary>Signals <see cref="CapacityQueueWorkflow.JoinSignal"/> to this task queue's capacity queue, starting it when needed (signal-with-start).</summary>
    [Activity]
    public static async Task JoinQueueAsync(QueuedRun run)
    {
        var context = ActivityExecutionContext.Current;
        var taskQueue = context.Info.TaskQueue;
        var options = new WorkflowOptions(CapacityQueueWorkflow.IdFor(taskQueue), taskQueue)
        {
            IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
            Rpc = new RpcOptions { CancellationToken = context.CancellationToken },
        };
        options.SignalWithStart((CapacityQueueWorkflow wf) => wf.JoinAsync(run));
        await context.TemporalClient.StartWorkflowAsync((CapacityQueueWorkflow wf) => wf.RunAsync(CapacityQueueInput.Empty), options);
    }
}
