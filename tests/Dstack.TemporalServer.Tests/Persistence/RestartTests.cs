using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.Persistence;
using Microsoft.Data.Sqlite;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Persistence;

/// <summary>
/// Persistent mode: a server stopped and started again on the same file carries on where it was. The first server's
/// worker is stopped before the server, as a crashed `dstack server` takes its worker down with it.
/// </summary>
public sealed class RestartTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("dstack-temporal-restart-").FullName;
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    private string Database => Path.Combine(_directory, "temporal.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Restart_WorkflowWaitingOnSignal_ContinuesAndClosedRunsStayVisible()
    {
        var done = $"done-{Guid.NewGuid()}";
        var waiting = $"waiting-{Guid.NewGuid()}";
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                Assert.Equal("quick", await client.ExecuteWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(false), new WorkflowOptions(done, _queue)));
                var handle = await client.StartWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(true), new WorkflowOptions(waiting, _queue));
                await Eventually.TrueAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.WorkflowTaskCompleted), Deadline);
            });
        }

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = client.GetWorkflowHandle<SignalWorkflow>(waiting);
                await handle.SignalAsync(wf => wf.ContinueAsync("after restart"));
                Assert.Equal("after restart", await handle.GetResultAsync<string>());
            });

            Assert.Equal("quick", await client.GetWorkflowHandle(done).GetResultAsync<string>());
            var listed = new List<WorkflowExecution>();
            await foreach (var execution in client.ListWorkflowsAsync($"WorkflowId = '{done}' OR WorkflowId = '{waiting}'"))
            {
                listed.Add(execution);
            }

            Assert.Equal(2, listed.Count);
            Assert.All(listed, e => Assert.Equal(WorkflowExecutionStatus.Completed, e.Status));
        }
    }

    [Fact]
    public async Task Restart_TimerPending_FiresAtItsTime()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var start = DateTime.UtcNow;
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = await client.StartWorkflowAsync((TimerWorkflow wf) => wf.RunAsync(TimeSpan.FromSeconds(3)), new WorkflowOptions(id, _queue));
                await Eventually.TrueAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted), Deadline);
            });
        }

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = client.GetWorkflowHandle(id);
                Assert.Equal("fired", await handle.GetResultAsync<string>());
                var history = await handle.FetchHistoryAsync();
                Assert.Single(history.Events, e => e.EventType == EventType.TimerFired);
            });
        }

        Assert.True(DateTime.UtcNow - start >= TimeSpan.FromSeconds(3), "the timer fired before its time");
    }

    [Fact]
    public async Task Restart_ActivityInFlight_TimesOutByItsOwnTimeoutAndIsRetried()
    {
        var id = $"wf-{Guid.NewGuid()}";
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = await client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(_queue + "-activities"), new WorkflowOptions(id, _queue));

                // A worker that takes the first attempt and then dies with the server.
                var task = await client.Connection.WorkflowService.PollActivityTaskQueueAsync(new()
                {
                    Namespace = client.Options.Namespace,
                    TaskQueue = new() { Name = _queue + "-activities" },
                    Identity = "doomed-worker",
                });
                Assert.Equal(1, task.Attempt);
            });
        }

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            using var activityWorker = new TemporalWorker(client, new TemporalWorkerOptions(_queue + "-activities").AddAllActivities(new Activities()));
            await worker.ExecuteAsync(() => activityWorker.ExecuteAsync(async () =>
            {
                var handle = client.GetWorkflowHandle(id);
                Assert.Equal("attempt 2", await handle.GetResultAsync<string>());
                var started = Assert.Single((await handle.FetchHistoryAsync()).Events, e => e.EventType == EventType.ActivityTaskStarted);
                Assert.Equal(2, started.ActivityTaskStartedEventAttributes.Attempt);
                Assert.Equal(TimeoutType.StartToClose, started.ActivityTaskStartedEventAttributes.LastFailure.TimeoutFailureInfo.TimeoutType);
            }));
        }
    }

    [Fact]
    public async Task Restart_WorkflowTaskInFlight_TimesOutAndIsRetried()
    {
        var id = $"wf-{Guid.NewGuid()}";
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            await client.StartWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(false), new WorkflowOptions(id, _queue) { TaskTimeout = TimeSpan.FromSeconds(1) });

            // A worker that takes the first workflow task and then dies with the server.
            var task = await client.Connection.WorkflowService.PollWorkflowTaskQueueAsync(new()
            {
                Namespace = client.Options.Namespace,
                TaskQueue = new() { Name = _queue },
                Identity = "doomed-worker",
            });
            Assert.Equal(id, task.WorkflowExecution.WorkflowId);
        }

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = client.GetWorkflowHandle(id);
                Assert.Equal("quick", await handle.GetResultAsync<string>());
                var timedOut = Assert.Single((await handle.FetchHistoryAsync()).Events, e => e.EventType == EventType.WorkflowTaskTimedOut);
                Assert.Equal(TimeoutType.StartToClose, timedOut.WorkflowTaskTimedOutEventAttributes.TimeoutType);
            });
        }
    }

    [Fact]
    public async Task Restart_RetriedWorkflowTaskInFlight_StaysOutOfHistoryUntilItCompletes()
    {
        var id = $"wf-{Guid.NewGuid()}";
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            await client.StartWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(false), new WorkflowOptions(id, _queue) { TaskTimeout = TimeSpan.FromSeconds(1) });

            // A worker fails the first attempt, takes the second (a retry, kept out of the history) and dies with the server.
            var service = client.Connection.WorkflowService;
            var poll = new PollWorkflowTaskQueueRequest { Namespace = client.Options.Namespace, TaskQueue = new() { Name = _queue }, Identity = "doomed-worker" };
            var first = await service.PollWorkflowTaskQueueAsync(poll);
            await service.RespondWorkflowTaskFailedAsync(new()
            {
                Namespace = client.Options.Namespace,
                TaskToken = first.TaskToken,
                Cause = WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure,
                Identity = "doomed-worker",
            });
            var second = await service.PollWorkflowTaskQueueAsync(poll);
            Assert.Equal(2, second.Attempt);
            Assert.Equal(first.History.Events.Count + 3, second.History.Events.Count);
        }

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = client.GetWorkflowHandle(id);
                Assert.Equal("quick", await handle.GetResultAsync<string>());
                var events = (await handle.FetchHistoryAsync()).Events.ToList();
                Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.EventId));
                var failed = Assert.Single(events, e => e.EventType == EventType.WorkflowTaskFailed);
                Assert.DoesNotContain(events, e => e.EventType == EventType.WorkflowTaskTimedOut);
                var retried = events.First(e => e.EventId > failed.EventId && e.EventType == EventType.WorkflowTaskScheduled);
                Assert.True(retried.WorkflowTaskScheduledEventAttributes.Attempt >= 2);
            });
        }
    }

    [Fact]
    public async Task Restart_PausedActivity_StaysPausedUntilUnpaused()
    {
        var id = $"wf-{Guid.NewGuid()}";
        var activityQueue = $"tq-act-{Guid.NewGuid()}";
        var execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = id };
        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(async () =>
            {
                var handle = await client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(activityQueue), new WorkflowOptions(id, _queue));
                await Eventually.TrueAsync(async () => (await handle.DescribeRawAsync()).PendingActivities.Count == 1, Deadline);
                await client.Connection.WorkflowService.PauseActivityAsync(new() { Namespace = "default", Execution = execution, Type = "Attempt", Identity = "operator" });
            });
        }

        await using (var server = await StartAsync())
        {
            var client = await ConnectAsync(server);
            var pending = Assert.Single((await client.GetWorkflowHandle(id).DescribeRawAsync()).PendingActivities);
            Assert.Equal(PendingActivityState.Paused, pending.State);
            Assert.Equal("operator", pending.PauseInfo.Manual.Identity);

            var poll = new PollActivityTaskQueueRequest { Namespace = "default", TaskQueue = new() { Name = activityQueue } };
            var none = await client.Connection.WorkflowService.PollActivityTaskQueueAsync(poll, new() { Timeout = TimeSpan.FromSeconds(3) });
            Assert.True(none.TaskToken.IsEmpty);

            await client.Connection.WorkflowService.UnpauseActivityAsync(new() { Namespace = "default", Execution = execution, Type = "Attempt" });
            var task = await client.Connection.WorkflowService.PollActivityTaskQueueAsync(poll, new() { Timeout = Deadline });
            Assert.Equal(1, task.Attempt);
        }
    }

    [Fact]
    public async Task Restart_SameDatabase_SameClusterIdAndSqliteStores()
    {
        GetClusterInfoResponse before;
        await using (var server = await StartAsync())
        {
            before = await (await ConnectAsync(server)).Connection.WorkflowService.GetClusterInfoAsync(new GetClusterInfoRequest());
        }

        await using (var server = await StartAsync())
        {
            var after = await (await ConnectAsync(server)).Connection.WorkflowService.GetClusterInfoAsync(new GetClusterInfoRequest());
            Assert.Equal(before.ClusterId, after.ClusterId);
            Assert.Equal("sqlite", after.PersistenceStore);
            Assert.Equal("sqlite", after.VisibilityStore);
        }
    }

    [Fact]
    public async Task InMemoryServers_EachStart_NewClusterIdAndMemoryStores()
    {
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            await using var server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0);
            var info = await (await ConnectAsync(server)).Connection.WorkflowService.GetClusterInfoAsync(new GetClusterInfoRequest());
            Assert.Equal("memory", info.PersistenceStore);
            Assert.Equal("memory", info.VisibilityStore);
            ids.Add(info.ClusterId);
        }

        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task Retention_SweepDeletesClosedRunsFromTheDatabase()
    {
        var id = $"wf-{Guid.NewGuid()}";
        await using (var server = await StartAsync(TimeSpan.FromSeconds(1)))
        {
            var client = await ConnectAsync(server);
            using var worker = NewWorker(client);
            await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(false), new WorkflowOptions(id, _queue)));
            await Eventually.TrueAsync(async () => await client.CountWorkflowsAsync($"WorkflowId = '{id}'") is { Count: 0 }, Deadline);
        }

        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM events)";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
    }

    [Fact]
    public async Task NotASqliteFile_StartFailsClearly_FileUntouched()
    {
        var bytes = "this is not a database, but somebody's notes"u8.ToArray();
        await File.WriteAllBytesAsync(Database, bytes);
        var error = await Assert.ThrowsAsync<ServerStoreException>(() => StartAsync());
        Assert.Contains("not a SQLite database", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Database));
    }

    [Fact]
    public async Task CorruptDatabase_StartFailsClearly()
    {
        await using (await StartAsync())
        {
        }

        // Keep the SQLite header, garble the rest.
        var bytes = await File.ReadAllBytesAsync(Database);
        for (var i = 100; i < bytes.Length; i++)
        {
            bytes[i] = 0xA5;
        }

        await File.WriteAllBytesAsync(Database, bytes);
        var error = await Assert.ThrowsAsync<ServerStoreException>(() => StartAsync());
        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Database));
    }

    [Fact]
    public async Task NewerSchemaVersion_StartFailsClearly()
    {
        await using (await StartAsync())
        {
        }

        using (var connection = new SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET value = '99' WHERE key = 'schema_version'";
            command.ExecuteNonQuery();
        }

        var error = await Assert.ThrowsAsync<ServerStoreException>(() => StartAsync());
        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondServerOnTheSameFile_StartFailsClearly()
    {
        await using var first = await StartAsync();
        var error = await Assert.ThrowsAsync<ServerStoreException>(() => StartAsync());
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
    }

    private Task<EmbeddedTemporalServer> StartAsync(TimeSpan? retention = null) =>
        EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
        {
            options.DatabasePath = Database;
            if (retention is { } r)
            {
                options.Retention = r;
            }
        });

    private static Task<TemporalClient> ConnectAsync(EmbeddedTemporalServer server) =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });

    private TemporalWorker NewWorker(TemporalClient client) =>
        new(client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<SignalWorkflow>()
            .AddWorkflow<TimerWorkflow>()
            .AddWorkflow<ActivityWorkflow>());

    public sealed class Activities
    {
        [Activity]
        public string Attempt() => $"attempt {ActivityExecutionContext.Current.Info.Attempt}";
    }

    [Workflow]
    public sealed class SignalWorkflow
    {
        private string? _value;

        [WorkflowRun]
        public async Task<string> RunAsync(bool wait)
        {
            if (!wait)
            {
                return "quick";
            }

            await Workflow.WaitConditionAsync(() => _value is not null);
            return _value!;
        }

        [WorkflowSignal]
        public Task ContinueAsync(string value)
        {
            _value = value;
            return Task.CompletedTask;
        }
    }

    [Workflow]
    public sealed class TimerWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync(TimeSpan delay)
        {
            await Workflow.DelayAsync(delay);
            return "fired";
        }
    }

    [Workflow]
    public sealed class ActivityWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(string activityQueue) =>
            Workflow.ExecuteActivityAsync(
                (Activities a) => a.Attempt(),
                new()
                {
                    TaskQueue = activityQueue,
                    StartToCloseTimeout = TimeSpan.FromSeconds(3),
                    RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(100) },
                });
    }
}
