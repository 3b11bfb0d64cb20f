using Dstack.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests.Services;

/// <summary>
/// The update long poll of the embedded server, with a short long-poll timeout so the test need not wait real
/// Temporal's 20 seconds: a caller gets the stage reached so far, asks again, and the update is still one.
/// </summary>
public sealed class UpdateLongPollTests
{
    [Fact]
    public async Task UpdateWorkflowExecution_NoWorkerWithinTheLongPoll_AnswersAdmittedAndTheUpdateStaysOne()
    {
        await using var server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options => options.HistoryLongPollTimeout = TimeSpan.FromMilliseconds(300));
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });
        var queue = $"tq-{Guid.NewGuid()}";
        var handle = await client.StartWorkflowAsync("AnyWorkflow", [], new WorkflowOptions($"wf-{Guid.NewGuid()}", queue));
        var request = new UpdateWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowExecution = new() { WorkflowId = handle.Id },
            WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Accepted },
            Request = new() { Meta = new() { UpdateId = "u" }, Input = new() { Name = "Greet" } },
        };

        var first = await client.WorkflowService.UpdateWorkflowExecutionAsync(request);
        var again = await client.WorkflowService.UpdateWorkflowExecutionAsync(request);
        var polled = await client.WorkflowService.PollWorkflowExecutionUpdateAsync(new()
        {
            Namespace = "default",
            UpdateRef = first.UpdateRef,
            WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Completed },
        });

        Assert.Equal(
            [UpdateWorkflowExecutionLifecycleStage.Admitted, UpdateWorkflowExecutionLifecycleStage.Admitted, UpdateWorkflowExecutionLifecycleStage.Admitted],
            [first.Stage, again.Stage, polled.Stage]);
        Assert.Null(first.Outcome);
        Assert.Equal(handle.ResultRunId, first.UpdateRef.WorkflowExecution.RunId);
        var task = await client.WorkflowService.PollWorkflowTaskQueueAsync(new() { Namespace = "default", TaskQueue = new() { Name = queue }, Identity = "raw-worker" });
        Assert.Equal("u", Assert.Single(task.Messages).ProtocolInstanceId);
    }
}
