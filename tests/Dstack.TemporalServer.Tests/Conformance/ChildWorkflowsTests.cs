using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>Child workflows as real Temporal runs them: the events on both sides, failures, ID policies, parent close policies.</summary>
[Collection(ServerCollection.Name)]
public sealed class ChildWorkflowsTests(ServerFixture server)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly SearchAttributeKey<string> Keyword = SearchAttributeKey.CreateKeyword("TestKeyword");

    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildCompletes_ParentGetsResultAndEventsLinkUp()
    {
        var childId = $"child-{Guid.NewGuid()}";
        using var worker = NewWorker();
        var (result, parent, history, child) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((EchoParent wf) => wf.RunAsync(childId), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await h.GetResultAsync(), h, await h.FetchHistoryAsync(), await server.Client.GetWorkflowHandle(childId).DescribeRawAsync());
        });

        Assert.Equal("echo hello", result);
        var initiated = Single(history, EventType.StartChildWorkflowExecutionInitiated);
        var started = Single(history, EventType.ChildWorkflowExecutionStarted);
        var completed = Single(history, EventType.ChildWorkflowExecutionCompleted);
        Assert.True(initiated.EventId < started.EventId && started.EventId < completed.EventId);

        var a = initiated.StartChildWorkflowExecutionInitiatedEventAttributes;
        Assert.Equal(childId, a.WorkflowId);
        Assert.Equal(ServerFixture.Namespace, a.Namespace);
        Assert.Equal(_queue, a.TaskQueue.Name);
        Assert.Equal(Temporalio.Api.Enums.V1.ParentClosePolicy.Terminate, a.ParentClosePolicy);
        Assert.Equal(WorkflowIdReusePolicy.AllowDuplicate, a.WorkflowIdReusePolicy);

        Assert.Equal(initiated.EventId, started.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId);
        Assert.Equal(childId, started.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution.WorkflowId);
        Assert.Equal(child.WorkflowExecutionInfo.Execution.RunId, started.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution.RunId);

        var c = completed.ChildWorkflowExecutionCompletedEventAttributes;
        Assert.Equal(initiated.EventId, c.InitiatedEventId);
        Assert.Equal(started.EventId, c.StartedEventId);
        Assert.Equal("\"echo hello\"", c.Result.Payloads_[0].Data.ToStringUtf8());

        Assert.Equal(WorkflowExecutionStatus.Completed, child.WorkflowExecutionInfo.Status);
        Assert.Equal(parent.Id, child.WorkflowExecutionInfo.ParentExecution.WorkflowId);
        Assert.Equal(parent.ResultRunId, child.WorkflowExecutionInfo.ParentExecution.RunId);
    }

    [Fact]
    public async Task StartChildWorkflowAsync_AllOptionsAndAbandon_ChildGetsThemAndOutlivesParent()
    {
        var childId = $"child-{Guid.NewGuid()}";
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var parent = await server.Client.StartWorkflowAsync((OptionsParent wf) => wf.RunAsync(childId), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await parent.GetResultAsync();
            var parentHistory = await parent.FetchHistoryAsync();
            var child = server.Client.GetWorkflowHandle<ChildWorkflow>(childId);
            var description = await child.DescribeAsync();
            var raw = await child.DescribeRawAsync();
            var childStarted = (await child.FetchHistoryAsync()).Events.First().WorkflowExecutionStartedEventAttributes;

            var initiated = Single(parentHistory, EventType.StartChildWorkflowExecutionInitiated).StartChildWorkflowExecutionInitiatedEventAttributes;
            Assert.Equal(Temporalio.Api.Enums.V1.ParentClosePolicy.Abandon, initiated.ParentClosePolicy);
            Assert.Equal(WorkflowIdReusePolicy.RejectDuplicate, initiated.WorkflowIdReusePolicy);

            Assert.Equal("v", await description.Memo["k"].ToValueAsync<string>());
            Assert.Equal("child-keyword", description.TypedSearchAttributes.Get(Keyword));
            Assert.Equal(TimeSpan.FromHours(1), raw.ExecutionConfig.WorkflowExecutionTimeout.ToTimeSpan());
            Assert.Equal(TimeSpan.FromMinutes(30), raw.ExecutionConfig.WorkflowRunTimeout.ToTimeSpan());
            Assert.Equal(TimeSpan.FromSeconds(7), raw.ExecutionConfig.DefaultWorkflowTaskTimeout.ToTimeSpan());
            Assert.Equal(_queue, raw.ExecutionConfig.TaskQueue.Name);
            Assert.Equal(3, childStarted.RetryPolicy.MaximumAttempts);
            Assert.Equal(parent.Id, childStarted.ParentWorkflowExecution.WorkflowId);
            Assert.Equal(ServerFixture.Namespace, childStarted.ParentWorkflowNamespace);

            // Abandoned: the parent is closed and the child still runs.
            Assert.Equal(WorkflowExecutionStatus.Running, description.Status);
            await child.SignalAsync(wf => wf.FinishAsync("after parent"));
            Assert.Equal("after parent", await child.GetResultAsync<string>());
        });
    }

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildFails_ParentGetsChildWorkflowFailure()
    {
        using var worker = NewWorker();
        var (error, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((RunChildParent wf) => wf.RunAsync(new ChildRun($"child-{Guid.NewGuid()}", "fail")), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await Assert.ThrowsAsync<WorkflowFailedException>(() => h.GetResultAsync()), await h.FetchHistoryAsync());
        });

        var childFailure = Assert.IsType<ChildWorkflowFailureException>(error.InnerException);
        Assert.Equal(RetryState.RetryPolicyNotSet, childFailure.RetryState);
        var cause = Assert.IsType<ApplicationFailureException>(childFailure.InnerException);
        Assert.Equal("child failed", cause.Message);
        var failed = Single(history, EventType.ChildWorkflowExecutionFailed).ChildWorkflowExecutionFailedEventAttributes;
        Assert.Equal("child failed", failed.Failure.Message);
    }

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildRetriedTillMaximumAttempts_ParentHearsOnceFromLastRun()
    {
        using var worker = NewWorker();
        var (error, history) = await worker.ExecuteAsync(async () =>
        {
            var child = new ChildRun($"child-{Guid.NewGuid()}", "fail", MaximumAttempts: 2);
            var h = await server.Client.StartWorkflowAsync((RunChildParent wf) => wf.RunAsync(child), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await Assert.ThrowsAsync<WorkflowFailedException>(() => h.GetResultAsync()), await h.FetchHistoryAsync());
        });

        Assert.Equal(RetryState.MaximumAttemptsReached, Assert.IsType<ChildWorkflowFailureException>(error.InnerException).RetryState);
        var started = Single(history, EventType.ChildWorkflowExecutionStarted).ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution;
        var failed = Single(history, EventType.ChildWorkflowExecutionFailed).ChildWorkflowExecutionFailedEventAttributes.WorkflowExecution;
        Assert.Equal(started.WorkflowId, failed.WorkflowId);
        Assert.NotEqual(started.RunId, failed.RunId);

        var secondRun = (await server.Client.GetWorkflowHandle(failed.WorkflowId, runId: failed.RunId).FetchHistoryAsync()).Events.First().WorkflowExecutionStartedEventAttributes;
        Assert.Equal(2, secondRun.Attempt);
        Assert.Equal(started.RunId, secondRun.FirstExecutionRunId);
        Assert.Equal(history.Events.First().WorkflowExecutionStartedEventAttributes.OriginalExecutionRunId, secondRun.ParentWorkflowExecution.RunId);
    }

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildTerminated_ParentGetsTerminatedFailure()
    {
        var childId = $"child-{Guid.NewGuid()}";
        using var worker = NewWorker();
        var (error, history) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((RunChildParent wf) => wf.RunAsync(new ChildRun(childId, "wait")), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await WaitForEventAsync(h, EventType.ChildWorkflowExecutionStarted);
            await server.Client.GetWorkflowHandle(childId).TerminateAsync("by the test");
            return (await Assert.ThrowsAsync<WorkflowFailedException>(() => h.GetResultAsync()), await h.FetchHistoryAsync());
        });

        Assert.IsType<TerminatedFailureException>(Assert.IsType<ChildWorkflowFailureException>(error.InnerException).InnerException);
        Single(history, EventType.ChildWorkflowExecutionTerminated);
    }

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildRunTimesOut_ParentGetsTimeoutFailure()
    {
        using var worker = NewWorker();
        var (error, history) = await worker.ExecuteAsync(async () =>
        {
            var child = new ChildRun($"child-{Guid.NewGuid()}", "wait", RunTimeout: TimeSpan.FromSeconds(1));
            var h = await server.Client.StartWorkflowAsync((RunChildParent wf) => wf.RunAsync(child), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await Assert.ThrowsAsync<WorkflowFailedException>(() => h.GetResultAsync()), await h.FetchHistoryAsync());
        });

        var timeout = Assert.IsType<TimeoutFailureException>(Assert.IsType<ChildWorkflowFailureException>(error.InnerException).InnerException);
        Assert.Equal(TimeoutType.StartToClose, timeout.TimeoutType);
        Single(history, EventType.ChildWorkflowExecutionTimedOut);
    }

    [Fact]
    public async Task StartChildWorkflowAsync_ParentCancelsChild_ChildCanceledByARequestFromItsParent()
    {
        var childId = $"child-{Guid.NewGuid()}";
        using var worker = NewWorker();
        var (result, parent, history, childHistory) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((CancelChildParent wf) => wf.RunAsync(childId), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            return (await h.GetResultAsync(), h, await h.FetchHistoryAsync(), await server.Client.GetWorkflowHandle(childId).FetchHistoryAsync());
        });

        Assert.Equal("child canceled", result);
        var initiated = Single(history, EventType.RequestCancelExternalWorkflowExecutionInitiated);
        Assert.True(initiated.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.ChildWorkflowOnly);
        Assert.Equal(childId, initiated.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.WorkflowExecution.WorkflowId);
        Assert.Equal(initiated.EventId, Single(history, EventType.ExternalWorkflowExecutionCancelRequested).ExternalWorkflowExecutionCancelRequestedEventAttributes.InitiatedEventId);
        Single(history, EventType.ChildWorkflowExecutionCanceled);

        var request = Single(childHistory, EventType.WorkflowExecutionCancelRequested).WorkflowExecutionCancelRequestedEventAttributes;
        Assert.Equal(initiated.EventId, request.ExternalInitiatedEventId);
        Assert.Equal(parent.Id, request.ExternalWorkflowExecution.WorkflowId);
        Assert.Equal(parent.ResultRunId, request.ExternalWorkflowExecution.RunId);
        Assert.Equal(EventType.WorkflowExecutionCanceled, childHistory.Events.Last().EventType);
    }

    [Fact]
    public async Task StartChildWorkflowAsync_IdOfRunningWorkflow_WorkflowAlreadyStartedInTheParent()
    {
        var existingId = $"existing-{Guid.NewGuid()}";
        using var worker = NewWorker();
        var (result, history) = await worker.ExecuteAsync(async () =>
        {
            var existing = await server.Client.StartWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("wait"), new WorkflowOptions(existingId, _queue));
            try
            {
                var h = await server.Client.StartWorkflowAsync((RunChildParent wf) => wf.RunAsync(new ChildRun(existingId, "echo")), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
                return (await h.GetResultAsync(), await h.FetchHistoryAsync());
            }
            finally
            {
                await existing.TerminateAsync();
            }
        });

        Assert.Equal($"already started: {existingId} ChildWorkflow", result);
        var initiated = Single(history, EventType.StartChildWorkflowExecutionInitiated);
        var failed = Single(history, EventType.StartChildWorkflowExecutionFailed).StartChildWorkflowExecutionFailedEventAttributes;
        Assert.Equal(StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists, failed.Cause);
        Assert.Equal(initiated.EventId, failed.InitiatedEventId);
        Assert.Equal(existingId, failed.WorkflowId);
        Assert.DoesNotContain(history.Events, e => e.EventType == EventType.ChildWorkflowExecutionStarted);
    }

    [Fact]
    public async Task StartChildWorkflowAsync_IdOfClosedRun_RejectDuplicateRefusesAllowDuplicateStarts()
    {
        using var worker = NewWorker();
        var result = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (ReuseParent wf) => wf.RunAsync($"child-{Guid.NewGuid()}"),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));
        Assert.Equal("echo a, rejected, echo b", result);
    }

    [Theory]
    [InlineData(ParentEnd.Complete)]
    [InlineData(ParentEnd.TerminatedByClient)]
    [InlineData(ParentEnd.ContinueAsNew)]
    public async Task ParentCloses_TerminatePolicy_ChildTerminatedByParentClosePolicy(ParentEnd end)
    {
        var childId = $"child-{Guid.NewGuid()}";
        using var worker = NewWorker();
        var (parentRunId, childHistory) = await worker.ExecuteAsync(async () =>
        {
            var parent = await server.Client.StartWorkflowAsync(
                (PolicyParent wf) => wf.RunAsync(new PolicyRun(childId, Temporalio.Workflows.ParentClosePolicy.Terminate, end)),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await WaitForEventAsync(parent, EventType.ChildWorkflowExecutionStarted);
            if (end == ParentEnd.TerminatedByClient)
            {
                await parent.TerminateAsync("by the test");
            }

            var child = server.Client.GetWorkflowHandle(childId);
            await Eventually.TrueAsync(async () => (await child.DescribeAsync()).Status == WorkflowExecutionStatus.Terminated, Deadline);
            return (parent.ResultRunId, await child.FetchHistoryAsync());
        });

        var terminated = childHistory.Events.Last().WorkflowExecutionTerminatedEventAttributes;
        Assert.Equal("by parent close policy", terminated.Reason);
        Assert.Equal("history-service", terminated.Identity);
        Assert.Equal(parentRunId, childHistory.Events.First().WorkflowExecutionStartedEventAttributes.ParentWorkflowExecution.RunId);
    }

    [Fact]
    public async Task ParentCompletes_RequestCancelPolicy_ChildGetsCancelRequestFromParent()
    {
        var childId = $"child-{Guid.NewGuid()}";
        using var worker = NewWorker();
        var (parent, childHistory) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync(
                (PolicyParent wf) => wf.RunAsync(new PolicyRun(childId, Temporalio.Workflows.ParentClosePolicy.RequestCancel, ParentEnd.Complete)),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.GetResultAsync();
            var child = server.Client.GetWorkflowHandle(childId);
            await Eventually.TrueAsync(async () => (await child.DescribeAsync()).Status == WorkflowExecutionStatus.Canceled, Deadline);
            return (h, await child.FetchHistoryAsync());
        });

        var request = Single(childHistory, EventType.WorkflowExecutionCancelRequested).WorkflowExecutionCancelRequestedEventAttributes;
        Assert.Equal(parent.Id, request.ExternalWorkflowExecution.WorkflowId);
        Assert.Equal(parent.ResultRunId, request.ExternalWorkflowExecution.RunId);
        Assert.Equal("history-service", request.Identity);
    }

    [Fact]
    public async Task Info_ChildAndGrandchild_ParentAndRootPointUpTheTree()
    {
        using var worker = NewWorker();
        var top = await worker.ExecuteAsync(() => server.Client.ExecuteWorkflowAsync(
            (TreeWorkflow wf) => wf.RunAsync(2),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));

        Assert.Null(top.ParentWorkflowId);
        Assert.Null(top.RootWorkflowId);
        var child = top.Child!;
        Assert.Equal((top.WorkflowId, top.RunId, ServerFixture.Namespace), (child.ParentWorkflowId, child.ParentRunId, child.ParentNamespace));
        Assert.Equal((top.WorkflowId, top.RunId), (child.RootWorkflowId, child.RootRunId));
        var grandchild = child.Child!;
        Assert.Equal((child.WorkflowId, child.RunId), (grandchild.ParentWorkflowId, grandchild.ParentRunId));
        Assert.Equal((top.WorkflowId, top.RunId), (grandchild.RootWorkflowId, grandchild.RootRunId));
        Assert.Null(grandchild.Child);
    }

    [Fact]
    public async Task Describe_ParentWithRunningChild_PendingChildAndBothRelationships()
    {
        var childId = $"child-{Guid.NewGuid()}";
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var parent = await server.Client.StartWorkflowAsync(
                (PolicyParent wf) => wf.RunAsync(new PolicyRun(childId, Temporalio.Workflows.ParentClosePolicy.Terminate, ParentEnd.Wait)),
                new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            try
            {
                await WaitForEventAsync(parent, EventType.ChildWorkflowExecutionStarted);
                var parentInfo = await parent.DescribeRawAsync();
                var child = await server.Client.GetWorkflowHandle(childId).DescribeRawAsync();

                var pending = Assert.Single(parentInfo.PendingChildren);
                Assert.Equal(childId, pending.WorkflowId);
                Assert.Equal(child.WorkflowExecutionInfo.Execution.RunId, pending.RunId);
                Assert.Equal("ChildWorkflow", pending.WorkflowTypeName);
                Assert.Equal(Temporalio.Api.Enums.V1.ParentClosePolicy.Terminate, pending.ParentClosePolicy);
                Assert.Equal(EventType.StartChildWorkflowExecutionInitiated, (await parent.FetchHistoryAsync()).Events.ElementAt((int)pending.InitiatedId - 1).EventType);
                Assert.Null(parentInfo.WorkflowExecutionInfo.ParentExecution);
                Assert.Equal(parent.Id, parentInfo.WorkflowExecutionInfo.RootExecution.WorkflowId);

                Assert.Equal(parent.Id, child.WorkflowExecutionInfo.ParentExecution.WorkflowId);
                Assert.Equal(parentInfo.WorkflowExecutionInfo.Execution.RunId, child.WorkflowExecutionInfo.ParentExecution.RunId);
                Assert.False(string.IsNullOrEmpty(child.WorkflowExecutionInfo.ParentNamespaceId));
                Assert.Equal(parentInfo.WorkflowExecutionInfo.Execution, child.WorkflowExecutionInfo.RootExecution);

                var listed = new List<string>();
                await foreach (var execution in server.Client.ListWorkflowsAsync($"ParentWorkflowId = '{parent.Id}'"))
                {
                    listed.Add(execution.Id);
                }

                Assert.Equal([childId], listed);
            }
            finally
            {
                await parent.TerminateAsync();
            }
        });
    }

    [Fact]
    public async Task SignalAsync_ParentSignalsChild_ChildReceivesItFromItsParent()
    {
        var childId = $"child-{Guid.NewGuid()}";
        using var worker = NewWorker();
        var (result, parent, history, childHistory) = await worker.ExecuteAsync(async () =>
        {
            var h = await server.Client.StartWorkflowAsync((SignalChildParent wf) => wf.RunAsync(childId), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await h.SignalAsync(wf => wf.PassOnAsync("from parent"));
            return (await h.GetResultAsync(), h, await h.FetchHistoryAsync(), await server.Client.GetWorkflowHandle(childId).FetchHistoryAsync());
        });

        Assert.Equal("from parent", result);
        var initiated = Single(history, EventType.SignalExternalWorkflowExecutionInitiated);
        Assert.True(initiated.SignalExternalWorkflowExecutionInitiatedEventAttributes.ChildWorkflowOnly);
        Assert.Equal(initiated.EventId, Single(history, EventType.ExternalWorkflowExecutionSignaled).ExternalWorkflowExecutionSignaledEventAttributes.InitiatedEventId);
        var signaled = Single(childHistory, EventType.WorkflowExecutionSignaled).WorkflowExecutionSignaledEventAttributes;
        Assert.Equal("Finish", signaled.SignalName);
        Assert.Equal(parent.Id, signaled.ExternalWorkflowExecution.WorkflowId);
        Assert.Equal(parent.ResultRunId, signaled.ExternalWorkflowExecution.RunId);
    }

    [Fact]
    public async Task StartChildCommand_WithoutWorkflowId_WorkflowTaskFailsWithBadAttributes()
    {
        var service = server.Client.Connection.WorkflowService;
        var h = await server.Client.StartWorkflowAsync((EchoParent wf) => wf.RunAsync("unused"), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
        try
        {
            var task = await service.PollWorkflowTaskQueueAsync(new() { Namespace = ServerFixture.Namespace, TaskQueue = new() { Name = _queue }, Identity = "raw-worker" });
            var command = new Temporalio.Api.Command.V1.Command
            {
                CommandType = CommandType.StartChildWorkflowExecution,
                StartChildWorkflowExecutionCommandAttributes = new() { WorkflowType = new() { Name = "ChildWorkflow" } },
            };
            await Assert.ThrowsAnyAsync<RpcException>(() => service.RespondWorkflowTaskCompletedAsync(new()
            {
                Namespace = ServerFixture.Namespace,
                TaskToken = task.TaskToken,
                Identity = "raw-worker",
                Commands = { command },
            }));

            var history = await h.FetchHistoryAsync();
            var failed = Single(history, EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
            Assert.Equal(WorkflowTaskFailedCause.BadStartChildExecutionAttributes, failed.Cause);
            Assert.Contains("WorkflowId", failed.Failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(history.Events, e => e.EventType == EventType.StartChildWorkflowExecutionInitiated);
        }
        finally
        {
            await h.TerminateAsync();
        }
    }

    private static HistoryEvent Single(WorkflowHistory history, EventType type) => Assert.Single(history.Events, e => e.EventType == type);

    /// <summary>Waits for an event of the run <paramref name="handle"/> started, not of the latest run of its workflow ID.</summary>
    private static Task WaitForEventAsync(WorkflowHandle handle, EventType type)
    {
        var run = handle.Client.GetWorkflowHandle(handle.Id, runId: handle.ResultRunId);
        return Eventually.TrueAsync(async () => (await run.FetchHistoryAsync()).Events.Any(e => e.EventType == type), Deadline);
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<ChildWorkflow>()
            .AddWorkflow<EchoParent>()
            .AddWorkflow<OptionsParent>()
            .AddWorkflow<RunChildParent>()
            .AddWorkflow<CancelChildParent>()
            .AddWorkflow<ReuseParent>()
            .AddWorkflow<PolicyParent>()
            .AddWorkflow<TreeWorkflow>()
            .AddWorkflow<SignalChildParent>());

    public enum ParentEnd
    {
        Complete,
        TerminatedByClient,
        ContinueAsNew,
        Wait,
    }

    /// <summary>A child to start: its ID, what it does ("echo", "fail", "wait"), and the options that change its end.</summary>
    public sealed record ChildRun(string Id, string Behaviour, int MaximumAttempts = 0, TimeSpan? RunTimeout = null);

    public sealed record PolicyRun(string ChildId, Temporalio.Workflows.ParentClosePolicy Policy, ParentEnd End, bool Continued = false);

    /// <summary>What a workflow of a tree saw of itself through Workflow.Info, and what its own child saw.</summary>
    public sealed record TreeInfo(
        string WorkflowId, string RunId, string? ParentWorkflowId, string? ParentRunId, string? ParentNamespace, string? RootWorkflowId, string? RootRunId, TreeInfo? Child);

    [Workflow]
    public sealed class ChildWorkflow
    {
        private string? _finish;

        [WorkflowRun]
        public async Task<string> RunAsync(string behaviour)
        {
            switch (behaviour)
            {
                case "fail":
                    throw new ApplicationFailureException("child failed", "ChildError");
                case "wait":
                    await Workflow.WaitConditionAsync(() => _finish is not null);
                    return _finish!;
                default:
                    return $"echo {behaviour}";
            }
        }

        [WorkflowSignal]
        public Task FinishAsync(string value)
        {
            _finish = value;
            return Task.CompletedTask;
        }
    }

    [Workflow]
    public sealed class EchoParent
    {
        [WorkflowRun]
        public Task<string> RunAsync(string childId) =>
            Workflow.ExecuteChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("hello"), new() { Id = childId });
    }

    [Workflow]
    public sealed class OptionsParent
    {
        [WorkflowRun]
        public async Task RunAsync(string childId)
        {
            await Workflow.StartChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("wait"), new()
            {
                Id = childId,
                Memo = new Dictionary<string, object> { ["k"] = "v" },
                TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(Keyword, "child-keyword").ToSearchAttributeCollection(),
                ExecutionTimeout = TimeSpan.FromHours(1),
                RunTimeout = TimeSpan.FromMinutes(30),
                TaskTimeout = TimeSpan.FromSeconds(7),
                RetryPolicy = new RetryPolicy { MaximumAttempts = 3 },
                ParentClosePolicy = Temporalio.Workflows.ParentClosePolicy.Abandon,
                IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
            });
        }
    }

    [Workflow]
    public sealed class RunChildParent
    {
        [WorkflowRun]
        public async Task<string> RunAsync(ChildRun child)
        {
            try
            {
                return await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync(child.Behaviour), new()
                {
                    Id = child.Id,
                    RunTimeout = child.RunTimeout,
                    RetryPolicy = child.MaximumAttempts > 0 ? new RetryPolicy { MaximumAttempts = child.MaximumAttempts, InitialInterval = TimeSpan.FromMilliseconds(100) } : null,
                });
            }
            catch (WorkflowAlreadyStartedException e)
            {
                return $"already started: {e.WorkflowId} {e.WorkflowType}";
            }
        }
    }

    [Workflow]
    public sealed class CancelChildParent
    {
        [WorkflowRun]
        public async Task<string> RunAsync(string childId)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
            var child = await Workflow.StartChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("wait"), new() { Id = childId, CancellationToken = cancel.Token });
            cancel.Cancel();
            try
            {
                return await child.GetResultAsync();
            }
            catch (ChildWorkflowFailureException e) when (e.InnerException is CanceledFailureException)
            {
                return "child canceled";
            }
        }
    }

    [Workflow]
    public sealed class ReuseParent
    {
        [WorkflowRun]
        public async Task<string> RunAsync(string childId)
        {
            var first = await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("a"), new() { Id = childId });
            var second = "started";
            try
            {
                await Workflow.StartChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("x"), new() { Id = childId, IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate });
            }
            catch (WorkflowAlreadyStartedException)
            {
                second = "rejected";
            }

            var third = await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("b"), new() { Id = childId, IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate });
            return $"{first}, {second}, {third}";
        }
    }

    [Workflow]
    public sealed class PolicyParent
    {
        [WorkflowRun]
        public async Task RunAsync(PolicyRun run)
        {
            if (run.Continued)
            {
                return;
            }

            await Workflow.StartChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("wait"), new() { Id = run.ChildId, ParentClosePolicy = run.Policy });
            switch (run.End)
            {
                case ParentEnd.ContinueAsNew:
                    var next = run with { Continued = true };
                    throw Workflow.CreateContinueAsNewException((PolicyParent wf) => wf.RunAsync(next));
                case ParentEnd.TerminatedByClient or ParentEnd.Wait:
                    await Workflow.WaitConditionAsync(() => false);
                    break;
                default:
                    break;
            }
        }
    }

    [Workflow]
    public sealed class TreeWorkflow
    {
        [WorkflowRun]
        public async Task<TreeInfo> RunAsync(int levelsBelow)
        {
            var info = Workflow.Info;
            var child = levelsBelow > 0
                ? await Workflow.ExecuteChildWorkflowAsync((TreeWorkflow wf) => wf.RunAsync(levelsBelow - 1))
                : null;
            return new TreeInfo(info.WorkflowId, info.RunId, info.Parent?.WorkflowId, info.Parent?.RunId, info.Parent?.Namespace, info.Root?.WorkflowId, info.Root?.RunId, child);
        }
    }

    [Workflow]
    public sealed class SignalChildParent
    {
        private string? _value;

        [WorkflowRun]
        public async Task<string> RunAsync(string childId)
        {
            var child = await Workflow.StartChildWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("wait"), new() { Id = childId });
            await Workflow.WaitConditionAsync(() => _value is not null);
            await child.SignalAsync(wf => wf.FinishAsync(_value!));
            return await child.GetResultAsync();
        }

        [WorkflowSignal]
        public Task PassOnAsync(string value)
        {
            _value = value;
            return Task.CompletedTask;
        }
    }
}
