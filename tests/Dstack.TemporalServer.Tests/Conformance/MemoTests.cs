using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class MemoTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task Start_WithMemo_VisibleInDescribeAndToWorkflow()
    {
        using var worker = NewWorker();
        var (seen, description) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (ReadMemoWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)
                {
                    Memo = new Dictionary<string, object> { ["owner"] = "alice", ["count"] = 3 },
                });
            return (await h.GetResultAsync(), await h.DescribeAsync());
        });

        Assert.Equal("alice/3", seen);
        Assert.Equal("alice", await description.Memo["owner"].ToValueAsync<string>());
        Assert.Equal(3, await description.Memo["count"].ToValueAsync<int>());
    }

    [Fact]
    public async Task UpsertMemo_InWorkflow_MergedIntoDescribeAndRecordedInHistory()
    {
        using var worker = NewWorker();
        var (description, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (UpsertMemoWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)
                {
                    Memo = new Dictionary<string, object> { ["owner"] = "alice", ["keep"] = "kept" },
                });
            await h.GetResultAsync();
            return (await h.DescribeAsync(), await h.FetchHistoryAsync());
        });

        Assert.Equal("done", await description.Memo["status"].ToValueAsync<string>());
        Assert.Equal("kept", await description.Memo["keep"].ToValueAsync<string>());
        Assert.False(description.Memo.ContainsKey("owner"));
        var modified = Assert.Single(history.Events, e => e.EventType == EventType.WorkflowPropertiesModified);
        Assert.True(modified.WorkflowPropertiesModifiedEventAttributes.UpsertedMemo.Fields.ContainsKey("status"));
    }

    [Fact]
    public async Task ListWorkflows_MemoOfRun_ReturnedWithExecution()
    {
        var h = await server.Client.StartWorkflowAsync(
            (ReadMemoWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)
            {
                Memo = new Dictionary<string, object> { ["owner"] = "bob" },
            });
        WorkflowExecution? found = null;
        await foreach (var execution in server.Client.ListWorkflowsAsync($"WorkflowId = '{h.Id}'"))
        {
            found = execution;
        }

        Assert.NotNull(found);
        Assert.Equal(h.Id, found.Id);
        Assert.Equal("bob", await found.Memo["owner"].ToValueAsync<string>());
        await h.TerminateAsync();
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<ReadMemoWorkflow>().AddWorkflow<UpsertMemoWorkflow>());

    [Workflow]
    public sealed class ReadMemoWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync()
        {
            var converter = Workflow.PayloadConverter;
            var owner = converter.ToValue<string>(Workflow.Memo["owner"]);
            var count = converter.ToValue<int>(Workflow.Memo["count"]);
            return Task.FromResult($"{owner}/{count}");
        }
    }

    [Workflow]
    public sealed class UpsertMemoWorkflow
    {
        [WorkflowRun]
        public Task RunAsync()
        {
            Workflow.UpsertMemo(MemoUpdate.ValueSet("status", "done"), MemoUpdate.ValueUnset("owner"));
            return Task.CompletedTask;
        }
    }
}
