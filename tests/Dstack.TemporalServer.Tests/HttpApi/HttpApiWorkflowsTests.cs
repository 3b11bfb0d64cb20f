using System.Net;
using System.Text.Json;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace Dstack.TemporalServer.Tests.HttpApi;

/// <summary>The workflow routes the Web UI calls, on runs of a real worker.</summary>
[Collection(ServerCollection.Name)]
public sealed class HttpApiWorkflowsTests(ServerFixture server)
{
    private const string Workflows = "api/v1/namespaces/default/workflows";
    private static readonly TimeSpan VisibilityWait = TimeSpan.FromSeconds(10);
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task ListWorkflows_VisibilityQuery_ReturnsRunsAsProtoJson()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var running = await StartAsync();
            var finished = await StartAsync();
            await finished.SignalAsync(wf => wf.NoteAsync("finish"));
            await finished.GetResultAsync();

            var query = Uri.EscapeDataString($"WorkflowType='HttpApiWorkflow' AND TaskQueue='{_queue}'");
            JsonElement[] executions = [];
            await Eventually.TrueAsync(
                async () =>
                {
                    var page = (await HttpApiResponse.GetAsync(server.Http, $"{Workflows}?query={query}&pageSize=20")).Ok();
                    executions = page.TryGetProperty("executions", out var list) ? [.. list.EnumerateArray()] : [];
                    return executions.Length == 2 && executions.Any(e => e.GetProperty("status").GetString() == "WORKFLOW_EXECUTION_STATUS_COMPLETED");
                },
                VisibilityWait);

            var byId = executions.ToDictionary(e => e.GetProperty("execution").GetProperty("workflowId").GetString()!);
            Assert.Equal("WORKFLOW_EXECUTION_STATUS_RUNNING", byId[running.Id].GetProperty("status").GetString());
            Assert.Equal(running.ResultRunId, byId[running.Id].GetProperty("execution").GetProperty("runId").GetString());
            Assert.Equal("WORKFLOW_EXECUTION_STATUS_COMPLETED", byId[finished.Id].GetProperty("status").GetString());
            foreach (var execution in executions)
            {
                Assert.Equal("HttpApiWorkflow", execution.GetProperty("type").GetProperty("name").GetString());
                Assert.Equal(_queue, execution.GetProperty("taskQueue").GetString());

                // int64 fields are JSON strings; timestamps RFC 3339 in UTC.
                var historyLength = execution.GetProperty("historyLength");
                Assert.Equal(JsonValueKind.String, historyLength.ValueKind);
                Assert.True(long.Parse(historyLength.GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 2);
                Assert.EndsWith("Z", execution.GetProperty("startTime").GetString(), StringComparison.Ordinal);
            }

            await running.TerminateAsync();
        });
    }

    [Fact]
    public async Task ListWorkflows_NextPageToken_ReturnsNextPageInStandardOrUrlSafeBase64()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handles = new[] { await StartAsync(), await StartAsync() };
            var query = Uri.EscapeDataString($"TaskQueue='{_queue}'");
            await Eventually.TrueAsync(
                async () => (await HttpApiResponse.GetAsync(server.Http, $"{Workflows}?query={query}")).Ok().TryGetProperty("executions", out var all) && all.GetArrayLength() == 2,
                VisibilityWait);

            var first = (await HttpApiResponse.GetAsync(server.Http, $"{Workflows}?query={query}&pageSize=1")).Ok();
            var token = first.GetProperty("nextPageToken").GetString()!;
            var second = (await HttpApiResponse.GetAsync(server.Http, $"{Workflows}?query={query}&pageSize=1&nextPageToken={Uri.EscapeDataString(token)}")).Ok();
            var urlSafe = token.Replace('+', '-').Replace('/', '_');
            var secondAgain = (await HttpApiResponse.GetAsync(server.Http, $"{Workflows}?query={query}&page_size=1&next_page_token={Uri.EscapeDataString(urlSafe)}")).Ok();

            var ids = new[] { first, second }.Select(page => Assert.Single(page.GetProperty("executions").EnumerateArray()).GetProperty("execution").GetProperty("workflowId").GetString()).ToArray();
            Assert.Equal(handles.Select(h => h.Id).Order(), ids.Order());
            Assert.Equal(ids[1], Assert.Single(secondAgain.GetProperty("executions").EnumerateArray()).GetProperty("execution").GetProperty("workflowId").GetString());
            foreach (var handle in handles)
            {
                await handle.TerminateAsync();
            }
        });
    }

    [Fact]
    public async Task CountWorkflows_GroupByExecutionStatus_CountsAsStringsAndGroupValuesAsPayloads()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var running = await StartAsync();
            var finished = await StartAsync();
            await finished.SignalAsync(wf => wf.NoteAsync("finish"));
            await finished.GetResultAsync();

            var query = Uri.EscapeDataString($"TaskQueue='{_queue}' GROUP BY ExecutionStatus");
            JsonElement count = default;
            await Eventually.TrueAsync(
                async () =>
                {
                    count = (await HttpApiResponse.GetAsync(server.Http, $"api/v1/namespaces/default/workflow-count?query={query}")).Ok();
                    return count.TryGetProperty("groups", out var groups) && groups.GetArrayLength() == 2;
                },
                VisibilityWait);

            Assert.Equal("2", count.GetProperty("count").GetString());
            var groupsByStatus = count.GetProperty("groups").EnumerateArray().ToDictionary(
                g => HttpApiResponse.PayloadValue(Assert.Single(g.GetProperty("groupValues").EnumerateArray())),
                g => g.GetProperty("count").GetString());
            Assert.Equal(new Dictionary<string, string?> { ["Running"] = "1", ["Completed"] = "1" }, groupsByStatus);
            await running.TerminateAsync();
        });
    }

    [Fact]
    public async Task DescribeWorkflow_ByRunIdOrCurrentRun_ReturnsExecutionInfo()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            foreach (var runParameter in new[] { $"execution.runId={handle.ResultRunId}", "execution.runId=", $"execution.run_id={handle.ResultRunId}" })
            {
                var info = (await HttpApiResponse.GetAsync(server.Http, $"{Workflows}/{handle.Id}?{runParameter}")).Ok().GetProperty("workflowExecutionInfo");
                Assert.Equal(handle.Id, info.GetProperty("execution").GetProperty("workflowId").GetString());
                Assert.Equal(handle.ResultRunId, info.GetProperty("execution").GetProperty("runId").GetString());
                Assert.Equal("HttpApiWorkflow", info.GetProperty("type").GetProperty("name").GetString());
                Assert.Equal("WORKFLOW_EXECUTION_STATUS_RUNNING", info.GetProperty("status").GetString());
            }

            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task DescribeAndSignal_WorkflowIdWithSlashAndSpace_DecodesThePathSegment()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync($"http api/{Guid.NewGuid()}/x");
            var path = $"{Workflows}/{Uri.EscapeDataString(handle.Id)}";
            var info = (await HttpApiResponse.GetAsync(server.Http, path)).Ok().GetProperty("workflowExecutionInfo");
            Assert.Equal(handle.Id, info.GetProperty("execution").GetProperty("workflowId").GetString());

            (await HttpApiResponse.PostAsync(server.Http, $"{path}/signal/Note", $$$"""{"input":{"payloads":[{{{HttpApiResponse.Payload("finish")}}}]}}""")).Ok();
            Assert.Equal("finish", await handle.GetResultAsync());
        });
    }

    [Fact]
    public async Task GetHistory_WaitNewEvent_ReturnsWhenTheNextEventArrives()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var history = $"{Workflows}/{handle.Id}/history?execution.runId={handle.ResultRunId}";
            JsonElement page = default;
            await Eventually.TrueAsync(
                async () =>
                {
                    page = (await HttpApiResponse.GetAsync(server.Http, history + "&waitNewEvent=true")).Ok();
                    return page.GetProperty("history").GetProperty("events").EnumerateArray().Last().GetProperty("eventType").GetString() == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED";
                },
                TimeSpan.FromSeconds(10));
            var events = page.GetProperty("history").GetProperty("events").EnumerateArray().ToArray();
            Assert.Equal("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", events[0].GetProperty("eventType").GetString());
            Assert.Equal(Enumerable.Range(1, events.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Select(e => e.GetProperty("eventId").GetString()));
            var token = page.GetProperty("nextPageToken").GetString()!;

            var poll = HttpApiResponse.GetAsync(server.Http, $"{history}&waitNewEvent=true&nextPageToken={Uri.EscapeDataString(token)}");
            Assert.False(poll.IsCompleted);
            await handle.SignalAsync(wf => wf.NoteAsync("hello"));
            var next = (await poll.WaitAsync(TimeSpan.FromSeconds(15))).Ok().GetProperty("history").GetProperty("events")[0];

            Assert.Equal("EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED", next.GetProperty("eventType").GetString());
            Assert.Equal((events.Length + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), next.GetProperty("eventId").GetString());
            var signaled = next.GetProperty("workflowExecutionSignaledEventAttributes");
            Assert.Equal("Note", signaled.GetProperty("signalName").GetString());
            Assert.Equal("hello", HttpApiResponse.PayloadValue(signaled.GetProperty("input").GetProperty("payloads")[0]));
            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task GetHistory_GrpcTimeoutHeader_LongPollAnswersEmptyBeforeTheDeadline()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var history = $"{Workflows}/{handle.Id}/history?execution.runId={handle.ResultRunId}&waitNewEvent=true";
            await Eventually.TrueAsync(
                async () => (await HttpApiResponse.GetAsync(server.Http, history)).Ok().GetProperty("history").GetProperty("events").EnumerateArray().Last().GetProperty("eventType").GetString() == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
                TimeSpan.FromSeconds(10));
            var token = (await HttpApiResponse.GetAsync(server.Http, history)).Ok().GetProperty("nextPageToken").GetString()!;

            using var request = new HttpRequestMessage(HttpMethod.Get, $"{history}&nextPageToken={Uri.EscapeDataString(token)}");
            request.Headers.Add("Grpc-Timeout", "3S");
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var response = await server.Http.SendAsync(request);
            var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(3), $"answered after {started.Elapsed}");
            Assert.False(page.TryGetProperty("history", out var empty) && empty.TryGetProperty("events", out _), page.ToString());
            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task GetHistoryReverse_CompletedWorkflow_NewestEventFirst()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            await handle.SignalAsync(wf => wf.NoteAsync("finish"));
            await handle.GetResultAsync();

            var events = (await HttpApiResponse.GetAsync(server.Http, $"{Workflows}/{handle.Id}/history-reverse?execution.runId={handle.ResultRunId}&maximumPageSize=100"))
                .Ok().GetProperty("history").GetProperty("events").EnumerateArray().ToArray();

            var ids = events.Select(e => long.Parse(e.GetProperty("eventId").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED", events[0].GetProperty("eventType").GetString());
            Assert.Equal("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", events[^1].GetProperty("eventType").GetString());
            Assert.Equal(Enumerable.Range(1, ids.Length).Select(i => (long)i).Reverse(), ids);
        });
    }

    [Fact]
    public async Task DescribeTaskQueue_WorkflowTaskQueueType_ListsTheWorkerAsPoller()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            await Eventually.TrueAsync(
                async () => (await HttpApiResponse.GetAsync(server.Http, $"api/v1/namespaces/default/task-queues/{_queue}?taskQueueType=1")).Ok().TryGetProperty("pollers", out var pollers)
                    && pollers.EnumerateArray().Any(p => p.GetProperty("identity").GetString() == server.Client.Connection.Options.Identity),
                TimeSpan.FromSeconds(10));
            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task QueryWorkflow_PostWithArgs_ReturnsQueryResultPayload()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            await handle.SignalAsync(wf => wf.NoteAsync("a"));
            await handle.SignalAsync(wf => wf.NoteAsync("b"));

            var result = (await HttpApiResponse.PostAsync(
                server.Http,
                $"{Workflows}/{handle.Id}/query/Notes",
                $$$$"""{"execution":{"runId":"{{{{handle.ResultRunId}}}}"},"query":{"queryArgs":{"payloads":[{{{{HttpApiResponse.Payload("|")}}}}]}}}""")).Ok();

            Assert.Equal("a|b", HttpApiResponse.PayloadValue(result.GetProperty("queryResult").GetProperty("payloads")[0]));
            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task SignalWorkflow_PostInput_DeliversTheSignal()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var path = $"{Workflows}/{handle.Id}/signal/Note";
            foreach (var note in new[] { "over http", "finish" })
            {
                var answer = (await HttpApiResponse.PostAsync(server.Http, path, $$$"""{"workflowExecution":{"runId":""},"input":{"payloads":[{{{HttpApiResponse.Payload(note)}}}]},"identity":"http-test"}""")).Ok();
                Assert.Equal(JsonValueKind.Object, answer.ValueKind);
            }

            Assert.Equal("over http,finish", await handle.GetResultAsync());
        });
    }

    [Fact]
    public async Task CancelWorkflow_Post_CancelsTheRun()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            (await HttpApiResponse.PostAsync(server.Http, $"{Workflows}/{handle.Id}/cancel", $$$"""{"workflowExecution":{"runId":"{{{handle.ResultRunId}}}"},"identity":"http-test"}""")).Ok();

            var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.IsType<CanceledFailureException>(failure.InnerException);
            Assert.Equal(WorkflowExecutionStatus.Canceled, (await handle.DescribeAsync()).Status);
        });
    }

    [Fact]
    public async Task TerminateWorkflow_PostReason_TerminatesWithThatReason()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            (await HttpApiResponse.PostAsync(server.Http, $"{Workflows}/{handle.Id}/terminate", """{"reason":"stopped over http"}""")).Ok();

            var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.Equal("stopped over http", Assert.IsType<TerminatedFailureException>(failure.InnerException).Message);
            var info = (await HttpApiResponse.GetAsync(server.Http, $"{Workflows}/{handle.Id}")).Ok().GetProperty("workflowExecutionInfo");
            Assert.Equal("WORKFLOW_EXECUTION_STATUS_TERMINATED", info.GetProperty("status").GetString());
        });
    }

    private Task<WorkflowHandle<HttpApiWorkflow, string>> StartAsync(string? id = null) =>
        server.Client.StartWorkflowAsync((HttpApiWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id ?? $"wf-{Guid.NewGuid()}", _queue));

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<HttpApiWorkflow>());
}
