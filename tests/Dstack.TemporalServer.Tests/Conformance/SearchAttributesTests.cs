using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class SearchAttributesTests(ServerFixture server)
{
    private static readonly SearchAttributeKey<string> Keyword = SearchAttributeKey.CreateKeyword("TestKeyword");
    private static readonly SearchAttributeKey<long> Int = SearchAttributeKey.CreateLong("TestInt");
    private static readonly SearchAttributeKey<bool> Bool = SearchAttributeKey.CreateBool("TestBool");
    private static readonly SearchAttributeKey<double> Double = SearchAttributeKey.CreateDouble("TestDouble");
    private static readonly SearchAttributeKey<IReadOnlyCollection<string>> KeywordList = SearchAttributeKey.CreateKeywordList("TestKeywordList");
    private static readonly SearchAttributeKey<DateTimeOffset> Datetime = SearchAttributeKey.CreateDateTimeOffset("TestDatetime");
    private static readonly SearchAttributeKey<string> Text = SearchAttributeKey.CreateText("TestText");
    private static readonly DateTimeOffset When = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task UpsertTypedSearchAttributes_InWorkflow_VisibleInDescribeAndListWithTypes()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        var (description, listed, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((UpsertWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, _queue));
            await h.GetResultAsync();
            var list = new List<WorkflowExecution>();
            await foreach (var execution in server.Client.ListWorkflowsAsync($"WorkflowId = '{id}'"))
            {
                list.Add(execution);
            }

            return (await h.DescribeAsync(), list, await h.FetchHistoryAsync());
        });

        AssertUpserted(description.TypedSearchAttributes);
        var execution = Assert.Single(listed);
        Assert.Equal(id, execution.Id);
        AssertUpserted(execution.TypedSearchAttributes);
        Assert.Single(history.Events, e => e.EventType == EventType.UpsertWorkflowSearchAttributes);
    }

    [Fact]
    public async Task Start_WithTypedSearchAttributes_VisibleToWorkflowAndDescribe()
    {
        using var worker = NewWorker();
        var (seen, description) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (ReadWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)
                {
                    TypedSearchAttributes = new SearchAttributeCollection.Builder()
                        .Set(Keyword, "from-start")
                        .Set(Int, 42)
                        .ToSearchAttributeCollection(),
                });
            return (await h.GetResultAsync(), await h.DescribeAsync());
        });

        Assert.Equal("from-start/42", seen);
        Assert.Equal("from-start", description.TypedSearchAttributes.Get(Keyword));
        Assert.Equal(42, description.TypedSearchAttributes.Get(Int));
    }

    [Fact]
    public async Task UpsertTypedSearchAttributes_Unset_RemovesAttribute()
    {
        using var worker = NewWorker();
        var description = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (UnsetWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)
                {
                    TypedSearchAttributes = new SearchAttributeCollection.Builder()
                        .Set(Keyword, "to-remove")
                        .Set(Int, 7)
                        .ToSearchAttributeCollection(),
                });
            await h.GetResultAsync();
            return await h.DescribeAsync();
        });

        Assert.False(description.TypedSearchAttributes.ContainsKey(Keyword));
        Assert.Equal(7, description.TypedSearchAttributes.Get(Int));
    }

    [Fact]
    public async Task UpsertSearchAttributes_Unregistered_FailsWorkflowTaskWithBadSearchAttributes()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((BadUpsertWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await Eventually.TrueAsync(
                async () => (await h.FetchHistoryAsync()).Events.Any(e =>
                    e.EventType == EventType.WorkflowTaskFailed
                    && e.WorkflowTaskFailedEventAttributes.Cause == WorkflowTaskFailedCause.BadSearchAttributes),
                TimeSpan.FromSeconds(10));
            Assert.Equal(WorkflowExecutionStatus.Running, (await h.DescribeAsync()).Status);
            await h.TerminateAsync();
        });
    }

    private static void AssertUpserted(SearchAttributeCollection attributes)
    {
        Assert.Equal("upserted", attributes.Get(Keyword));
        Assert.Equal(5L, attributes.Get(Int));
        Assert.True(attributes.Get(Bool));
        Assert.Equal(1.5, attributes.Get(Double));
        Assert.Equal(["a", "b"], attributes.Get(KeywordList));
        Assert.Equal(When, attributes.Get(Datetime));
        Assert.Equal("some words here", attributes.Get(Text));
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<UpsertWorkflow>()
            .AddWorkflow<ReadWorkflow>()
            .AddWorkflow<UnsetWorkflow>()
            .AddWorkflow<BadUpsertWorkflow>());

    [Workflow]
    public sealed class UpsertWorkflow
    {
        [WorkflowRun]
        public Task RunAsync()
        {
            Workflow.UpsertTypedSearchAttributes(
                Keyword.ValueSet("upserted"),
                Int.ValueSet(5),
                Bool.ValueSet(true),
                Double.ValueSet(1.5),
                KeywordList.ValueSet(["a", "b"]),
                Datetime.ValueSet(When),
                Text.ValueSet("some words here"));
            return Task.CompletedTask;
        }
    }

    [Workflow]
    public sealed class ReadWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync() =>
            Task.FromResult($"{Workflow.TypedSearchAttributes.Get(Keyword)}/{Workflow.TypedSearchAttributes.Get(Int)}");
    }

    [Workflow]
    public sealed class UnsetWorkflow
    {
        [WorkflowRun]
        public Task RunAsync()
        {
            Workflow.UpsertTypedSearchAttributes(Keyword.ValueUnset());
            return Task.CompletedTask;
        }
    }

    [Workflow]
    public sealed class BadUpsertWorkflow
    {
        [WorkflowRun]
        public Task RunAsync()
        {
            Workflow.UpsertTypedSearchAttributes(SearchAttributeKey.CreateKeyword("NotRegisteredAnywhere").ValueSet("x"));
            return Workflow.WaitConditionAsync(() => false);
        }
    }
}
