using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>
/// Workflow updates as real Temporal runs them: the request rides on a workflow task as a protocol message, the worker
/// accepts, rejects or completes it with messages, and only acceptance and completion are history events. Tests that
/// play the worker themselves (raw polls) check the protocol the SDK hides.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class UpdatesTests(ServerFixture server)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    private WorkflowService Service => server.Client.Connection.WorkflowService;

    [Fact]
    public async Task ExecuteUpdate_RunningWorkflow_ReturnsResultAndRecordsAcceptedAndCompletedEvents()
    {
        using var worker = NewWorker();
        var (result, events) = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var result = await handle.ExecuteUpdateAsync(wf => wf.AddAsync(5));
            return (result, (await handle.FetchHistoryAsync()).Events.ToList());
        });

        Assert.Equal(5, result);
        var accepted = Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
        var completed = Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateCompleted);
        var acceptedAttributes = accepted.WorkflowExecutionUpdateAcceptedEventAttributes;
        Assert.Equal("Add", acceptedAttributes.AcceptedRequest.Input.Name);
        Assert.Equal(acceptedAttributes.ProtocolInstanceId + "/request", acceptedAttributes.AcceptedRequestMessageId);
        Assert.Equal(accepted.EventId, completed.WorkflowExecutionUpdateCompletedEventAttributes.AcceptedEventId);
        Assert.Equal(acceptedAttributes.ProtocolInstanceId, completed.WorkflowExecutionUpdateCompletedEventAttributes.Meta.UpdateId);
        Assert.NotNull(completed.WorkflowExecutionUpdateCompletedEventAttributes.Outcome.Success);
    }

    [Fact]
    public async Task ExecuteUpdate_ValidatorRejects_ThrowsUpdateFailedAndWritesNoUpdateEvent()
    {
        using var worker = NewWorker();
        var (error, events) = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var error = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(-1)));

            // The workflow still takes updates after a rejection.
            Assert.Equal(2, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(2)));
            return (error, (await handle.FetchHistoryAsync()).Events.ToList());
        });

        var failure = Assert.IsType<ApplicationFailureException>(error.InnerException);
        Assert.Equal("negative values are rejected", failure.Message);
        Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
    }

    [Fact]
    public async Task ExecuteUpdate_HandlerThrowsApplicationFailure_ThrowsUpdateFailedAndRecordsFailureOutcome()
    {
        using var worker = NewWorker();
        var (error, events) = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var error = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.FailAsync()));
            return (error, (await handle.FetchHistoryAsync()).Events.ToList());
        });

        var failure = Assert.IsType<ApplicationFailureException>(error.InnerException);
        Assert.Equal("UpdateFailure", failure.ErrorType);
        var completed = Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateCompleted);
        Assert.Equal("update failed on purpose", completed.WorkflowExecutionUpdateCompletedEventAttributes.Outcome.Failure.Message);
    }

    [Fact]
    public async Task StartUpdate_WaitForAccepted_ReturnsOnceAcceptedAndResultFollows()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var update = await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(), new(WorkflowUpdateStage.Accepted));

            Assert.Equal(handle.RunId ?? handle.ResultRunId, update.WorkflowRunId);
            var events = (await handle.FetchHistoryAsync()).Events;
            Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
            Assert.DoesNotContain(events, e => e.EventType == EventType.WorkflowExecutionUpdateCompleted);

            await handle.SignalAsync(wf => wf.ReleaseAsync());
            Assert.Equal("released", await update.GetResultAsync());
            Assert.Equal("released", await handle.GetUpdateHandle<string>(update.Id).GetResultAsync());
        });
    }

    [Fact]
    public async Task ExecuteUpdate_SameIdTwice_SecondGetsFirstOutcomeWithoutRunningAgain()
    {
        using var worker = NewWorker();
        var events = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var id = $"update-{Guid.NewGuid()}";
            Assert.Equal(3, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(3), new(id)));
            Assert.Equal(3, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(100), new(id)));
            Assert.Equal(3, await handle.QueryAsync(wf => wf.Counter));
            return (await handle.FetchHistoryAsync()).Events.ToList();
        });

        Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
    }

    [Fact]
    public async Task ExecuteUpdate_WorkflowClosed_SameIdGetsOutcomeFromHistoryNewIdNotFound()
    {
        using var worker = NewWorker();
        var id = $"update-{Guid.NewGuid()}";
        var handle = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            Assert.Equal(7, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(7), new(id)));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(7, await handle.GetResultAsync());
            return handle;
        });

        // No worker runs now: the answers come from the closed run's history.
        Assert.Equal(7, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(1), new(id)));
        Assert.Equal(7, await handle.GetUpdateHandle<int>(id).GetResultAsync());
        var error = await Assert.ThrowsAsync<RpcException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(1)));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
        Assert.Equal("workflow execution already completed", error.Message);
    }

    [Fact]
    public async Task ExecuteUpdate_BeforeFirstWorkflowTask_IsAdmittedThenDeliveredWithTheFirstTask()
    {
        var handle = await StartAsync();
        var id = $"update-{Guid.NewGuid()}";
        var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(4), new(id)));
        await Eventually.TrueAsync(async () => await StageAsync(handle.Id, id) == UpdateWorkflowExecutionLifecycleStage.Admitted, Deadline);

        using var worker = NewWorker();
        var events = await worker.ExecuteAsync(async () =>
        {
            Assert.Equal(4, await update.WaitAsync(Deadline));
            return (await handle.FetchHistoryAsync()).Events.ToList();
        });

        Assert.Equal(
            [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
             EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted],
            events.Select(e => e.EventType));
        Assert.Equal(2, events[4].WorkflowExecutionUpdateAcceptedEventAttributes.AcceptedRequestSequencingEventId);
    }

    [Fact]
    public async Task ExecuteUpdate_ClientTimesOutBeforeAWorkerAnswers_ThrowsRpcTimeoutOrCanceled()
    {
        var handle = await StartAsync();
        await Assert.ThrowsAsync<WorkflowUpdateRpcTimeoutOrCanceledException>(() =>
            handle.ExecuteUpdateAsync(wf => wf.AddAsync(1), new() { Rpc = new() { Timeout = TimeSpan.FromMilliseconds(300) } }));
    }

    [Fact]
    public async Task ExecuteUpdate_ClientCancelsWhileHandlerRuns_ThrowsRpcTimeoutOrCanceled()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            using var cancel = new CancellationTokenSource();
            var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.WaitForReleaseAsync(), new() { Rpc = new() { CancellationToken = cancel.Token } }));
            await Eventually.TrueAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted), Deadline);
            await cancel.CancelAsync();
            await Assert.ThrowsAsync<WorkflowUpdateRpcTimeoutOrCanceledException>(() => update.WaitAsync(Deadline));
        });
    }

    [Fact]
    public async Task ExecuteUpdate_WorkflowCompletesWhileUpdateRuns_UpdateFailsWithAcceptedUpdateCompletedWorkflow()
    {
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync();
            var update = await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(), new(WorkflowUpdateStage.Accepted));
            await handle.SignalAsync(wf => wf.FinishAsync());
            await handle.GetResultAsync();

            var error = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => update.GetResultAsync());
            Assert.Equal("AcceptedUpdateCompletedWorkflow", Assert.IsType<ApplicationFailureException>(error.InnerException).ErrorType);
        });
    }

    [Fact]
    public async Task ExecuteUpdate_WorkflowTerminatedBeforeAWorkerSawIt_ThrowsNotFound()
    {
        var handle = await StartAsync();
        var id = $"update-{Guid.NewGuid()}";
        var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(1), new(id)));
        await Eventually.TrueAsync(async () => await StageAsync(handle.Id, id) == UpdateWorkflowExecutionLifecycleStage.Admitted, Deadline);

        await handle.TerminateAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => update.WaitAsync(Deadline));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }

    [Fact]
    public async Task UpdateWorkflowExecution_WorkerIgnoresTheUpdate_ServerRejectsItAsUnprocessed()
    {
        var handle = await StartRawAsync();
        await CompleteRawTaskAsync(await PollRawAsync());

        var update = Task.Run(() => handle.ExecuteUpdateAsync<string>("Greet", []));
        var task = await PollRawAsync();
        var message = Assert.Single(task.Messages);
        Assert.Equal(task.StartedEventId - 1, message.EventId);
        Assert.Equal("Greet", message.Body.Unpack<Request>().Input.Name);
        await CompleteRawTaskAsync(task);

        var error = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => update.WaitAsync(Deadline));
        Assert.Equal("UnprocessedUpdate", Assert.IsType<ApplicationFailureException>(error.InnerException).ErrorType);
        Assert.DoesNotContain((await handle.FetchHistoryAsync()).Events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
    }

    [Fact]
    public async Task UpdateWorkflowExecution_RunContinuesAsNewBeforeSeeingTheUpdate_UpdateGoesToTheNewRun()
    {
        var handle = await StartRawAsync();
        var first = await PollRawAsync();
        var id = $"update-{Guid.NewGuid()}";
        var update = Task.Run(() => server.Client.GetWorkflowHandle(handle.Id).ExecuteUpdateAsync<string>("Greet", [], new(id)));
        await Eventually.TrueAsync(async () => await StageAsync(handle.Id, id) == UpdateWorkflowExecutionLifecycleStage.Admitted, Deadline);

        await CompleteRawTaskAsync(first, new Command
        {
            CommandType = CommandType.ContinueAsNewWorkflowExecution,
            ContinueAsNewWorkflowExecutionCommandAttributes = new()
            {
                WorkflowType = new() { Name = RawWorkflowType },
                TaskQueue = new() { Name = _queue },
            },
        });

        var second = await PollRawAsync();
        Assert.NotEqual(first.WorkflowExecution.RunId, second.WorkflowExecution.RunId);
        var request = Assert.Single(second.Messages);
        Assert.Equal(id, request.ProtocolInstanceId);
        await AcceptAndCompleteAsync(second, request, "done");

        Assert.Equal("done", await update.WaitAsync(Deadline));
        var answer = await Service.PollWorkflowExecutionUpdateAsync(new()
        {
            Namespace = ServerFixture.Namespace,
            UpdateRef = new() { WorkflowExecution = new() { WorkflowId = handle.Id, RunId = second.WorkflowExecution.RunId }, UpdateId = id },
        });
        Assert.Equal(UpdateWorkflowExecutionLifecycleStage.Completed, answer.Stage);
        var firstRun = server.Client.GetWorkflowHandle(handle.Id, runId: first.WorkflowExecution.RunId);
        Assert.DoesNotContain((await firstRun.FetchHistoryAsync()).Events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
    }

    [Fact]
    public async Task UpdateWorkflowExecution_InvalidRequests_AnswerRealTemporalErrors()
    {
        var handle = await StartRawAsync();
        UpdateWorkflowExecutionRequest Update(WaitPolicy? wait, Request request) => new()
        {
            Namespace = ServerFixture.Namespace,
            WorkflowExecution = new() { WorkflowId = handle.Id },
            WaitPolicy = wait,
            Request = request,
        };
        var valid = new Request { Meta = new() { UpdateId = "u" }, Input = new() { Name = "Greet" } };

        var noMeta = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkflowExecutionAsync(Update(null, new() { Input = valid.Input })));
        Assert.Equal(("Update meta is not set on request.", RpcException.StatusCode.InvalidArgument), (noMeta.Message, noMeta.Code));
        var noName = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkflowExecutionAsync(Update(null, new() { Meta = valid.Meta, Input = new() })));
        Assert.Equal(("Update name is not set on request.", RpcException.StatusCode.InvalidArgument), (noName.Message, noName.Code));
        var admitted = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkflowExecutionAsync(
            Update(new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Admitted }, valid)));
        Assert.Equal(RpcException.StatusCode.PermissionDenied, admitted.Code);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Service.PollWorkflowExecutionUpdateAsync(new()
        {
            Namespace = ServerFixture.Namespace,
            UpdateRef = new() { WorkflowExecution = new() { WorkflowId = handle.Id }, UpdateId = "never-sent" },
        }));
        Assert.Equal(("update \"never-sent\" not found", RpcException.StatusCode.NotFound), (unknown.Message, unknown.Code));
    }

    private const string RawWorkflowType = "RawWorkflow";

    private async Task<WorkflowHandle<UpdatableWorkflow, int>> StartAsync() =>
        await server.Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(0), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));

    private Task<WorkflowHandle> StartRawAsync() =>
        server.Client.StartWorkflowAsync(RawWorkflowType, [], new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));

    /// <summary>The update's stage without waiting, or Unspecified while the server does not know it yet.</summary>
    private async Task<UpdateWorkflowExecutionLifecycleStage> StageAsync(string workflowId, string updateId)
    {
        try
        {
            var answer = await Service.PollWorkflowExecutionUpdateAsync(new()
            {
                Namespace = ServerFixture.Namespace,
                UpdateRef = new() { WorkflowExecution = new() { WorkflowId = workflowId }, UpdateId = updateId },
            });
            return answer.Stage;
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return UpdateWorkflowExecutionLifecycleStage.Unspecified;
        }
    }

    private Task<PollWorkflowTaskQueueResponse> PollRawAsync() => RawWorkflowTasks.PollAsync(server.Client, _queue, "raw-worker");

    private Task<RespondWorkflowTaskCompletedResponse> CompleteRawTaskAsync(PollWorkflowTaskQueueResponse task, params Command[] commands) =>
        Service.RespondWorkflowTaskCompletedAsync(new()
        {
            Namespace = ServerFixture.Namespace,
            TaskToken = task.TaskToken,
            Identity = "raw-worker",
            Commands = { commands },
        });

    /// <summary>Answers an update request as an SDK does: an acceptance and a response, each named by a ProtocolMessage command.</summary>
    private Task<RespondWorkflowTaskCompletedResponse> AcceptAndCompleteAsync(PollWorkflowTaskQueueResponse task, Message request, string result)
    {
        var id = request.ProtocolInstanceId;
        var acceptance = new Message
        {
            Id = id + "/accept",
            ProtocolInstanceId = id,
            Body = Any.Pack(new Acceptance
            {
                AcceptedRequestMessageId = request.Id,
                AcceptedRequestSequencingEventId = request.EventId,
                AcceptedRequest = request.Body.Unpack<Request>(),
            }),
        };
        var response = new Message
        {
            Id = id + "/complete",
            ProtocolInstanceId = id,
            Body = Any.Pack(new Response
            {
                Meta = new Meta { UpdateId = id },
                Outcome = new Outcome { Success = new Payloads { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload(result) } } },
            }),
        };
        return Service.RespondWorkflowTaskCompletedAsync(new()
        {
            Namespace = ServerFixture.Namespace,
            TaskToken = task.TaskToken,
            Identity = "raw-worker",
            Messages = { acceptance, response },
            Commands =
            {
                new Command { CommandType = CommandType.ProtocolMessage, ProtocolMessageCommandAttributes = new() { MessageId = acceptance.Id } },
                new Command { CommandType = CommandType.ProtocolMessage, ProtocolMessageCommandAttributes = new() { MessageId = response.Id } },
            },
        });
    }

    private TemporalWorker NewWorker() =>
        new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<UpdatableWorkflow>());
}
