using Google.Protobuf;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;
using WorkflowExecution = Temporalio.Api.Common.V1.WorkflowExecution;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class ReverseHistoryTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task GetHistoryReverse_PagesOfTwo_JoinToTheForwardHistoryReversed()
    {
        var handle = await RunAsync($"wf-{Guid.NewGuid()}");
        var forward = (await handle.FetchHistoryAsync()).Events;

        var pages = await ReadAllReverseAsync(new WorkflowExecution { WorkflowId = handle.Id, RunId = handle.ResultRunId }, pageSize: 2);

        Assert.True(pages.Count > 1, $"{forward.Count} events came in {pages.Count} page(s)");
        Assert.Equal(EventType.WorkflowExecutionCompleted, pages[0][0].EventType);
        Assert.Equal(forward.Reverse(), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task GetHistoryReverse_NoRunId_ReadsTheLatestRun()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var first = await RunAsync(id);
        var latest = await RunAsync(id);
        Assert.NotEqual(first.ResultRunId, latest.ResultRunId);

        var pages = await ReadAllReverseAsync(new WorkflowExecution { WorkflowId = id }, pageSize: 0);

        var events = pages.SelectMany(p => p).ToList();
        Assert.Equal((await latest.FetchHistoryAsync()).Events.Reverse(), events);
        Assert.Equal(latest.ResultRunId, events[^1].WorkflowExecutionStartedEventAttributes.OriginalExecutionRunId);
    }

    [Fact]
    public async Task GetHistoryReverse_UnknownWorkflow_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => ReverseAsync(new WorkflowExecution { WorkflowId = $"missing-{Guid.NewGuid()}" }, 10, ByteString.Empty));
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
    }

    [Fact]
    public async Task GetHistoryReverse_UnknownRunOfKnownWorkflow_ThrowsNotFound()
    {
        var handle = await RunAsync($"wf-{Guid.NewGuid()}");
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            ReverseAsync(new WorkflowExecution { WorkflowId = handle.Id, RunId = Guid.NewGuid().ToString() }, 10, ByteString.Empty));
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
    }

    [Fact]
    public async Task GetHistoryReverse_TokenOfAnotherRun_ThrowsInvalidArgument()
    {
        var handle = await RunAsync($"wf-{Guid.NewGuid()}");
        var firstPage = await ReverseAsync(new WorkflowExecution { WorkflowId = handle.Id }, 2, ByteString.Empty);
        Assert.False(firstPage.NextPageToken.IsEmpty);

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            ReverseAsync(new WorkflowExecution { WorkflowId = handle.Id, RunId = Guid.NewGuid().ToString() }, 2, firstPage.NextPageToken));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, ex.Code);
    }

    private async Task<WorkflowHandle> RunAsync(string workflowId)
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<TwoActivitiesWorkflow>()
            .AddActivity(TwoActivitiesWorkflow.Echo));
        return await worker.ExecuteAsync(async () =>
        {
            var handle = await server.Client.StartWorkflowAsync((TwoActivitiesWorkflow wf) => wf.RunAsync(), new WorkflowOptions(workflowId, _queue));
            await handle.GetResultAsync();
            return handle;
        });
    }

    private Task<GetWorkflowExecutionHistoryReverseResponse> ReverseAsync(WorkflowExecution execution, int pageSize, ByteString token) =>
        server.Client.Connection.WorkflowService.GetWorkflowExecutionHistoryReverseAsync(new GetWorkflowExecutionHistoryReverseRequest
        {
            Namespace = ServerFixture.Namespace,
            Execution = execution,
            MaximumPageSize = pageSize,
            NextPageToken = token,
        });

    /// <summary>Reads every page; the number of pages is bounded so that a token that never runs out fails the test.</summary>
    private async Task<List<IReadOnlyList<HistoryEvent>>> ReadAllReverseAsync(WorkflowExecution execution, int pageSize)
    {
        var pages = new List<IReadOnlyList<HistoryEvent>>();
        var token = ByteString.Empty;
        do
        {
            Assert.True(pages.Count < 100, "the reverse history did not end within 100 pages");
            var response = await ReverseAsync(execution, pageSize, token);
            pages.Add([.. response.History.Events]);
            token = response.NextPageToken;
        }
        while (!token.IsEmpty);

        return pages;
    }

    [Workflow]
    public sealed class TwoActivitiesWorkflow
    {
        [Temporalio.Activities.Activity]
        public static string Echo(string value) => value;

        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            var options = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) };
            var first = await Workflow.ExecuteActivityAsync(() => Echo("one"), options);
            return first + await Workflow.ExecuteActivityAsync(() => Echo(" two"), options);
        }
    }
}
