using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class ConcurrencyTests(ServerFixture server)
{
    private const int WorkerCount = 8;
    private const int WorkflowCount = 2000;

    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task ExecuteWorkflows_EightWorkersTwoThousandWorkflows_EachActivityRunsExactlyOnce()
    {
        var executions = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var workers = new List<TemporalWorker>();
        var runs = new List<Task>();
        for (var i = 0; i < WorkerCount; i++)
        {
            // Each worker has its own connection, as separate processes would.
            var client = await server.ConnectAsync();
            var worker = new TemporalWorker(client, new TemporalWorkerOptions(_queue)
                .AddWorkflow<CountedWorkflow>()
                .AddAllActivities(new CountedActivities(executions)));
            workers.Add(worker);
            runs.Add(RunUntilStoppedAsync(worker, stop.Token));
        }

        try
        {
            var prefix = $"wf-{Guid.NewGuid()}";
            var ids = Enumerable.Range(0, WorkflowCount).Select(i => $"{prefix}-{i}").ToList();
            using var limit = new SemaphoreSlim(100);
            var results = await Task.WhenAll(ids.Select(async id =>
            {
                await limit.WaitAsync();
                try
                {
                    return await server.Client.ExecuteWorkflowAsync(
                        (CountedWorkflow wf) => wf.RunAsync(id),
                        new WorkflowOptions(id, _queue));
                }
                finally
                {
                    limit.Release();
                }
            }));

            Assert.Equal(ids.Select(id => $"done:{id}"), results);
            Assert.Equal(WorkflowCount, executions.Count);
            Assert.All(ids, id => Assert.Equal(1, executions[id]));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(runs);
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    [Fact]
    public async Task WorkerKilledDuringActivity_ActivityRetriedOnAnotherWorkerAndWorkflowCompletes()
    {
        var doomed = new KillableActivities("A");
        var survivor = new KillableActivities("B");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        using var workerA = new TemporalWorker(await server.ConnectAsync(), new TemporalWorkerOptions(_queue)
            .AddWorkflow<KillableWorkflow>()
            .AddAllActivities(doomed));
        var runA = RunUntilStoppedAsync(workerA, stopA.Token);
        Task? runB = null;
        try
        {
            var h = await server.Client.StartWorkflowAsync((KillableWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await doomed.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

            // Worker A goes away while its activity hangs; it never reports back.
            await stopA.CancelAsync();
            using var workerB = new TemporalWorker(await server.ConnectAsync(), new TemporalWorkerOptions(_queue)
                .AddWorkflow<KillableWorkflow>()
                .AddAllActivities(survivor));
            runB = RunUntilStoppedAsync(workerB, stopB.Token);

            var result = await h.GetResultAsync();
            Assert.StartsWith("B:", result, StringComparison.Ordinal);
            Assert.True(int.Parse(result[2..], System.Globalization.CultureInfo.InvariantCulture) >= 2, result);
            await stopB.CancelAsync();
            await runB;
        }
        finally
        {
            doomed.Release.TrySetResult();
            await stopA.CancelAsync();
            await stopB.CancelAsync();
            await runA;
            if (runB is not null)
            {
                await runB;
            }
        }
    }

    private static async Task RunUntilStoppedAsync(TemporalWorker worker, CancellationToken stop)
    {
        try
        {
            await worker.ExecuteAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Expected: the test stopped the worker.
        }
    }

    public sealed class CountedActivities(ConcurrentDictionary<string, int> executions)
    {
        [Activity]
        public string Count(string id)
        {
            Assert.Equal(id, ActivityExecutionContext.Current.Info.WorkflowId);
            executions.AddOrUpdate(id, 1, (_, n) => n + 1);
            return $"done:{id}";
        }
    }

    [Workflow]
    public sealed class CountedWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(string id) =>
            Workflow.ExecuteActivityAsync((CountedActivities a) => a.Count(id), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
    }

    public sealed class KillableActivities(string name)
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [Activity]
        public async Task<string> WorkAsync()
        {
            var context = ActivityExecutionContext.Current;
            if (name == "A")
            {
                if (context.Info.Attempt > 1)
                {
                    throw new ApplicationFailureException("worker A is shutting down");
                }

                context.Heartbeat();
                Started.TrySetResult();

                // Hangs like a dead process: no heartbeats, no result, deaf to cancellation.
                await Release.Task;
            }

            return $"{name}:{context.Info.Attempt}";
        }
    }

    [Workflow]
    public sealed class KillableWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync() =>
            Workflow.ExecuteActivityAsync(
                (KillableActivities a) => a.WorkAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromSeconds(30),
                    HeartbeatTimeout = TimeSpan.FromSeconds(1),
                    RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 1 },
                });
    }
}
