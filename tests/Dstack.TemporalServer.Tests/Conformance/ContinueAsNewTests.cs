using Dstack.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class ContinueAsNewTests(ServerFixture server)
{
    private static readonly SearchAttributeKey<string> Keyword = SearchAttributeKey.CreateKeyword("TestKeyword");

    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task ContinueAsNew_ThreeRuns_GetResultFollowsChainToLastRun()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        var (result, first, latest, latestHistory) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CountingWorkflow wf) => wf.RunAsync(1, 3),
                new WorkflowOptions(id, _queue));
            var r = await h.GetResultAsync();
            var firstHandle = server.Client.GetWorkflowHandle(id, runId: h.ResultRunId);
            var latestHandle = server.Client.GetWorkflowHandle(id);
            return (r, await firstHandle.DescribeAsync(), await latestHandle.DescribeAsync(), await latestHandle.FetchHistoryAsync());
        });

        Assert.Equal("run 3 of 3", result);
        Assert.Equal(WorkflowExecutionStatus.ContinuedAsNew, first.Status);
        Assert.Equal(WorkflowExecutionStatus.Completed, latest.Status);
        Assert.NotEqual(first.RunId, latest.RunId);

        var started = latestHistory.Events.First().WorkflowExecutionStartedEventAttributes;
        Assert.Equal(first.RunId, started.FirstExecutionRunId);
        Assert.False(string.IsNullOrEmpty(started.ContinuedExecutionRunId));
        Assert.NotEqual(first.RunId, started.ContinuedExecutionRunId);
        Assert.Equal(ContinueAsNewInitiator.Workflow, started.Initiator);
        Assert.Equal(1, started.Attempt);
    }

    [Fact]
    public async Task ContinueAsNew_FirstRunHistory_EndsWithContinuedAsNewEventPointingToNextRun()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        var (firstHistory, second) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CountingWorkflow wf) => wf.RunAsync(1, 2),
                new WorkflowOptions(id, _queue));
            await h.GetResultAsync();
            return (await server.Client.GetWorkflowHandle(id, runId: h.ResultRunId).FetchHistoryAsync(), await server.Client.GetWorkflowHandle(id).DescribeAsync());
        });

        var last = firstHistory.Events.Last();
        Assert.Equal(EventType.WorkflowExecutionContinuedAsNew, last.EventType);
        Assert.Equal(second.RunId, last.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId);
        Assert.Equal(_queue, last.WorkflowExecutionContinuedAsNewEventAttributes.TaskQueue.Name);
        Assert.Equal(nameof(CountingWorkflow), last.WorkflowExecutionContinuedAsNewEventAttributes.WorkflowType.Name);
    }

    [Fact]
    public async Task ContinueAsNew_MemoAndSearchAttributes_CarriedToNextRun()
    {
        using var worker = NewWorker();
        var id = $"wf-{Guid.NewGuid()}";
        var latest = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (CountingWorkflow wf) => wf.RunAsync(1, 2),
                new WorkflowOptions(id, _queue)
                {
                    Memo = new Dictionary<string, object> { ["owner"] = "alice" },
                    TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(Keyword, "carried").ToSearchAttributeCollection(),
                });
            await h.GetResultAsync();
            return await server.Client.GetWorkflowHandle(id).DescribeAsync();
        });

        Assert.Equal("alice", await latest.Memo["owner"].ToValueAsync<string>());
        Assert.Equal("carried", latest.TypedSearchAttributes.Get(Keyword));
    }

    [Fact]
    public async Task SuggestContinueAsNew_ShortHistory_NotSuggested()
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<LongHistoryWorkflow>());
        var (suggested, length) = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (LongHistoryWorkflow wf) => wf.RunAsync(3), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));
        Assert.False(suggested);
        Assert.True(length > 3, $"history length {length}");
    }

    [Fact]
    public async Task SuggestContinueAsNew_HistoryPastTheLimit_SuggestedFromThere()
    {
        // Real Temporal's limit.historyCount.suggestContinueAsNew, lowered as dynamic config would.
        await using var embedded = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, o => o.SuggestContinueAsNewAfterEvents = 30);
        var client = await TemporalClient.ConnectAsync(new(embedded.Address));
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(_queue).AddWorkflow<LongHistoryWorkflow>());
        var (suggested, length) = await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync(
            (LongHistoryWorkflow wf) => wf.RunAsync(100), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));
        Assert.True(suggested);

        // Each timer adds 5 events (started, fired, and a workflow task), so the suggestion comes within one timer of 30.
        Assert.InRange(length, 30, 36);
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<CountingWorkflow>());

    [Workflow]
    public sealed class CountingWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(int run, int runs)
        {
            if (run < runs)
            {
                throw Workflow.CreateContinueAsNewException((CountingWorkflow wf) => wf.RunAsync(run + 1, runs));
            }

            return Task.FromResult($"run {run} of {runs}");
        }
    }

    /// <summary>Waits on short timers until the server suggests continue-as-new or the timers run out.</summary>
    [Workflow]
    public sealed class LongHistoryWorkflow
    {
        [WorkflowRun]
        public async Task<HistoryInfo> RunAsync(int timers)
        {
            for (var i = 0; i < timers && !Workflow.ContinueAsNewSuggested; i++)
            {
                await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
            }

            return new HistoryInfo(Workflow.ContinueAsNewSuggested, Workflow.CurrentHistoryLength);
        }
    }

    public sealed record HistoryInfo(bool Suggested, int Length);
}
