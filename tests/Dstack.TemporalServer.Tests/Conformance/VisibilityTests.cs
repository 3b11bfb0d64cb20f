using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class VisibilityTests(ServerFixture server)
{
    private static readonly SearchAttributeKey<string> Keyword = SearchAttributeKey.CreateKeyword("TestKeyword");
    private static readonly SearchAttributeKey<long> Int = SearchAttributeKey.CreateLong("TestInt");

    private readonly string _queue = $"tq-{Guid.NewGuid()}";
    private readonly string _tag = $"tag-{Guid.NewGuid()}";

    [Fact]
    public async Task ListWorkflows_FilterOnCustomKeywordAndInt_ReturnsOnlyMatching()
    {
        var ids = new List<string>();
        for (var i = 1; i <= 6; i++)
        {
            ids.Add((await StartAsync(i)).Id);
        }

        var listed = await ListAsync($"TestKeyword = '{_tag}' AND TestInt > 3");
        Assert.Equal(ids.Skip(3).Order(), listed.Select(e => e.Id).Order());
        Assert.All(listed, e => Assert.True(e.TypedSearchAttributes.Get(Int) > 3));
        await TerminateAsync(ids);
    }

    [Fact]
    public async Task ListWorkflows_Results_CarryTypeQueueStatusAndTimes()
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<QuickWorkflow>());
        var id = await worker.ExecuteAsync(async () =>
        {
            var h = await StartAsync(1, start: true);
            await h.GetResultAsync();
            return h.Id;
        });

        var execution = Assert.Single(await ListAsync($"TestKeyword = '{_tag}'"));
        Assert.Equal(id, execution.Id);
        Assert.Equal(nameof(QuickWorkflow), execution.WorkflowType);
        Assert.Equal(_queue, execution.TaskQueue);
        Assert.Equal(WorkflowExecutionStatus.Completed, execution.Status);
        Assert.NotNull(execution.CloseTime);
        Assert.True(execution.CloseTime >= execution.StartTime);
        Assert.True(execution.HistoryLength >= 5);
    }

    [Fact]
    public async Task CountWorkflows_Filter_CountsMatching()
    {
        var ids = new List<string>();
        for (var i = 1; i <= 4; i++)
        {
            ids.Add((await StartAsync(i)).Id);
        }

        var count = await server.Client.CountWorkflowsAsync($"TestKeyword = '{_tag}' AND TestInt >= 2");
        Assert.Equal(3, count.Count);
        Assert.Empty(count.Groups);
        await TerminateAsync(ids);
    }

    [Fact]
    public async Task CountWorkflows_GroupByExecutionStatus_ReturnsGroupPerStatus()
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<QuickWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            await (await StartAsync(1, start: true)).GetResultAsync();
            await (await StartAsync(2, start: true)).GetResultAsync();
        });
        var terminated = await StartAsync(3);
        await terminated.TerminateAsync();

        var count = await server.Client.CountWorkflowsAsync($"TestKeyword = '{_tag}' GROUP BY ExecutionStatus");
        Assert.Equal(3, count.Count);
        var groups = count.Groups.ToDictionary(g => (string)g.GroupValues.Single()!, g => g.Count);
        Assert.Equal(new Dictionary<string, long> { ["Completed"] = 2, ["Terminated"] = 1 }, groups);
    }

    [Fact]
    public async Task ListWorkflows_FilterOnExecutionStatus_ReturnsOnlyThatStatus()
    {
        var running = await StartAsync(1);
        var terminated = await StartAsync(2);
        await terminated.TerminateAsync();

        var listed = await ListAsync($"TestKeyword = '{_tag}' AND ExecutionStatus = 'Terminated'");
        Assert.Equal(terminated.Id, Assert.Single(listed).Id);
        await running.TerminateAsync();
    }

    [Fact]
    public async Task ListWorkflows_InvalidQuery_ThrowsInvalidArgument()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => ListAsync("TestKeyword = = 'x'"));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, ex.Code);
    }

    private async Task<WorkflowHandle<QuickWorkflow>> StartAsync(long number, bool start = false) =>
        await server.Client.StartWorkflowAsync(
            (QuickWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{number}-{Guid.NewGuid()}", start ? _queue : $"{_queue}-idle")
            {
                TypedSearchAttributes = new SearchAttributeCollection.Builder()
                    .Set(Keyword, _tag)
                    .Set(Int, number)
                    .ToSearchAttributeCollection(),
            });

    private async Task<List<WorkflowExecution>> ListAsync(string query)
    {
        var list = new List<WorkflowExecution>();
        await foreach (var execution in server.Client.ListWorkflowsAsync(query))
        {
            list.Add(execution);
        }

        return list;
    }

    private async Task TerminateAsync(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            await server.Client.GetWorkflowHandle(id).TerminateAsync();
        }
    }

    [Workflow]
    public sealed class QuickWorkflow
    {
        [WorkflowRun]
        public Task RunAsync() => Task.CompletedTask;
    }
}
