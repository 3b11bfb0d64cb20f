using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Common;
using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>
/// Schedules through the SDK's schedule client (and the raw API where the SDK has no call), as Temporal documents them.
/// Backfills and explicit trigger times give the actions distinct nominal times, and so distinct workflow IDs, without
/// waiting for the clock.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class SchedulesTests(ServerFixture server) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly SearchAttributeKey<string> Keyword = SearchAttributeKey.CreateKeyword("TestKeyword");
    private static readonly SearchAttributeKey<string> ScheduledById = SearchAttributeKey.CreateKeyword("TemporalScheduledById");
    private static readonly SearchAttributeKey<DateTimeOffset> ScheduledStartTime = SearchAttributeKey.CreateDateTimeOffset("TemporalScheduledStartTime");

    private readonly string _queue = $"tq-{Guid.NewGuid()}";
    private readonly List<ScheduleHandle> _created = [];

    /// <summary>Gets the start of the current minute, so that a one-minute interval has actions exactly on whole minutes before it.</summary>
    private static DateTime ThisMinute
    {
        get
        {
            var now = DateTime.UtcNow;
            return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMinute));
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var handle in _created)
        {
            try
            {
                await handle.DeleteAsync();
            }
            catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
            {
                // The test deleted it itself.
            }
        }
    }

    [Fact]
    public async Task CreateSchedule_FullDefinition_DescribedInCanonicalForm()
    {
        var action = Action("done", o =>
        {
            o.ExecutionTimeout = TimeSpan.FromHours(1);
            o.Memo = new Dictionary<string, object> { ["actionMemo"] = "a" };
        });
        var calendar = new ScheduleCalendarSpec
        {
            Second = [new(1)],
            Minute = [new(2, 3)],
            Hour = [new(4, 5, 6)],
            DayOfMonth = [new(7)],
            Month = [new(9)],
            Year = [new(2080)],
            Comment = "spec comment",
        };
        var schedule = new Schedule(action, new ScheduleSpec
        {
            Calendars = [calendar],
            Intervals = [new(TimeSpan.FromDays(10), TimeSpan.FromDays(2))],
            CronExpressions = ["0 12 * * MON"],
            Skip = [new ScheduleCalendarSpec { Year = [new(2050)] }],
            StartAt = new DateTime(2060, 7, 8, 9, 10, 11, DateTimeKind.Utc),
            Jitter = TimeSpan.FromSeconds(80),
        })
        {
            Policy = new() { Overlap = ScheduleOverlapPolicy.BufferOne, CatchupWindow = TimeSpan.FromMinutes(5), PauseOnFailure = true },
            State = new() { Note = "sched note", Paused = true, RemainingActions = 30 },
        };

        var handle = await CreateAsync(schedule, new ScheduleOptions { Memo = new Dictionary<string, object> { ["scheduleMemo"] = "s" } });
        var description = await handle.DescribeAsync();

        // The cron string comes back as the calendar it means.
        var cronCalendar = new ScheduleCalendarSpec { Hour = [new(12)], DayOfWeek = [new(1)] };
        AssertSameJson(schedule.Spec with { CronExpressions = [], Calendars = [calendar, cronCalendar] }, description.Schedule.Spec);
        AssertSameJson(schedule.Policy, description.Schedule.Policy);
        AssertSameJson(schedule.State, description.Schedule.State);
        var describedAction = Assert.IsType<ScheduleActionStartWorkflow>(description.Schedule.Action);
        Assert.Equal(nameof(ScheduledWorkflow), describedAction.Workflow);
        Assert.Equal("done", await Assert.IsType<EncodedRawValue>(describedAction.Args.Single()).ToValueAsync<string>());
        Assert.Equal(TimeSpan.FromHours(1), describedAction.Options.ExecutionTimeout);
        Assert.Equal("a", await Assert.IsType<EncodedRawValue>(describedAction.Options.Memo!["actionMemo"]).ToValueAsync<string>());
        Assert.Equal("s", await description.Memo["scheduleMemo"].ToValueAsync<string>());
        Assert.Equal(0, description.Info.NumActions);
        Assert.Null(description.Info.LastUpdatedAt);
        Assert.Equal(10, description.Info.NextActionTimes.Count);
        Assert.All(description.Info.NextActionTimes, t => Assert.True(t >= schedule.Spec.StartAt, $"{t:O} is before the start time"));
    }

    [Fact]
    public async Task CreateSchedule_IdTaken_ScheduleAlreadyRunningException()
    {
        var handle = await CreateAsync(Paused("done"));

        await Assert.ThrowsAsync<ScheduleAlreadyRunningException>(() => server.Client.CreateScheduleAsync(handle.Id, Paused("done")));
    }

    [Fact]
    public async Task CreateSchedule_CronStringOfFourFields_InvalidArgument()
    {
        var schedule = new Schedule(Action("done"), new ScheduleSpec { CronExpressions = ["0 12 * *"] });

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.CreateScheduleAsync($"sched-{Guid.NewGuid()}", schedule));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, e.Code);
        Assert.Equal("Invalid schedule spec: CronString does not have 5-7 fields", e.Message);
    }

    [Fact]
    public async Task Trigger_PausedSchedule_StartsWorkflowNamedAfterItsTimeAndTaggedWithTheSchedule()
    {
        var action = Action("tags");
        var handle = await CreateAsync(new Schedule(action, new ScheduleSpec()) { State = new() { Paused = true } });
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            await handle.TriggerAsync();
            var description = await DescribeWhenAsync(handle, d => d.Info.NumActions == 1);
            var recent = Assert.Single(description.Info.RecentActions);
            var started = Assert.IsType<ScheduleActionExecutionStartWorkflow>(recent.Action);

            Assert.Matches($"^{Regex.Escape(action.Options.Id!)}-\\d{{4}}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", started.WorkflowId);
            var workflow = server.Client.GetWorkflowHandle(started.WorkflowId, started.FirstExecutionRunId);
            Assert.Equal($"scheduled by {handle.Id} for {started.WorkflowId[^20..]}", await workflow.GetResultAsync<string>().WaitAsync(Deadline));
            var attributes = (await workflow.DescribeAsync()).TypedSearchAttributes;
            Assert.Equal(handle.Id, attributes.Get(ScheduledById));
            Assert.Equal(started.WorkflowId[^20..], attributes.Get(ScheduledStartTime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        });
    }

    [Fact]
    public async Task IntervalSpec_EverySecondWithTwoActionsLeft_ServerStartsTwoAndStops()
    {
        // ALLOW_ALL, so that a slow worker does not get the second second's action skipped.
        var schedule = new Schedule(Action("done"), new ScheduleSpec { Intervals = [new(TimeSpan.FromSeconds(1))] })
        {
            Policy = new() { Overlap = ScheduleOverlapPolicy.AllowAll },
            State = new() { LimitedActions = true, RemainingActions = 2 },
        };
        var handle = await CreateAsync(schedule);
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            var description = await DescribeWhenAsync(handle, d => d.Info.NumActions == 2);

            Assert.Equal(0, description.Schedule.State.RemainingActions);
            Assert.Empty(description.Info.NextActionTimes);
            var ids = description.Info.RecentActions.Select(a => ((ScheduleActionExecutionStartWorkflow)a.Action).WorkflowId).ToList();
            Assert.Equal(2, ids.Distinct().Count());
            var times = description.Info.RecentActions.Select(a => a.ScheduledAt).ToList();
            Assert.Equal(TimeSpan.FromSeconds(1), times[1] - times[0]);
        });
    }

    [Fact]
    public async Task PauseAndUnpause_WithNotes_ShownInDescribeAndList()
    {
        var tag = Guid.NewGuid().ToString();
        var schedule = new Schedule(Action("done"), new ScheduleSpec { Calendars = [new ScheduleCalendarSpec { Year = [new(2099)] }] });
        var handle = await CreateAsync(schedule, Tagged(tag));

        await handle.PauseAsync("maintenance window");
        var paused = await handle.DescribeAsync();
        var listed = await ListEventuallyAsync($"TestKeyword = '{tag}' AND TemporalSchedulePaused = true", 1);
        await handle.UnpauseAsync();
        var unpaused = await handle.DescribeAsync();

        Assert.True(paused.Schedule.State.Paused);
        Assert.Equal("maintenance window", paused.Schedule.State.Note);
        Assert.Equal("maintenance window", listed.Single().Schedule?.State.Note);
        Assert.False(unpaused.Schedule.State.Paused);
        Assert.Equal("Unpaused via .NET SDK", unpaused.Schedule.State.Note);
        Assert.Equal(new DateTime(2099, 1, 1, 0, 0, 0, DateTimeKind.Utc), unpaused.Info.NextActionTimes.First());
    }

    [Fact]
    public async Task Update_NewActionAndSearchAttributes_DescribedAndListedByThem()
    {
        var before = Guid.NewGuid().ToString();
        var after = Guid.NewGuid().ToString();
        var handle = await CreateAsync(Paused("done"), Tagged(before));

        await handle.UpdateAsync(input =>
        {
            var action = Assert.IsType<ScheduleActionStartWorkflow>(input.Description.Schedule.Action);
            action.Options.TaskTimeout = TimeSpan.FromMinutes(7);
            return new ScheduleUpdate(input.Description.Schedule)
            {
                TypedSearchAttributes = new SearchAttributeCollection.Builder(input.Description.TypedSearchAttributes).Set(Keyword, after).ToSearchAttributeCollection(),
            };
        });
        var description = await handle.DescribeAsync();

        Assert.Equal(TimeSpan.FromMinutes(7), Assert.IsType<ScheduleActionStartWorkflow>(description.Schedule.Action).Options.TaskTimeout);
        Assert.NotNull(description.Info.LastUpdatedAt);
        Assert.Equal(after, description.TypedSearchAttributes.Get(Keyword));
        Assert.Equal(handle.Id, (await ListEventuallyAsync($"TestKeyword = '{after}'", 1)).Single().Id);
        Assert.Empty(await ListEventuallyAsync($"TestKeyword = '{before}'", 0));
    }

    [Fact]
    public async Task UpdateSchedule_StaleConflictToken_NotApplied()
    {
        var handle = await CreateAsync(Paused("done"));
        var service = server.Client.Connection.WorkflowService;
        var stale = await service.DescribeScheduleAsync(new DescribeScheduleRequest { Namespace = ServerFixture.Namespace, ScheduleId = handle.Id });
        await handle.UnpauseAsync("changed since");

        var update = new UpdateScheduleRequest
        {
            Namespace = ServerFixture.Namespace,
            ScheduleId = handle.Id,
            Schedule = stale.Schedule,
            ConflictToken = stale.ConflictToken,
            RequestId = Guid.NewGuid().ToString(),
        };
        try
        {
            await service.UpdateScheduleAsync(update);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.FailedPrecondition)
        {
            // This server refuses a stale update as real Temporal's newer scheduler does; the older one drops it silently.
        }

        var description = await handle.DescribeAsync();
        Assert.False(description.Schedule.State.Paused);
        Assert.Equal("changed since", description.Schedule.State.Note);
    }

    [Fact]
    public async Task Backfill_AllowAll_OneActionPerIntervalStartInclusiveDuplicatesDropped()
    {
        var now = ThisMinute;
        var schedule = new Schedule(Action("done"), new ScheduleSpec { Intervals = [new(TimeSpan.FromMinutes(1))] }) { State = new() { Paused = true } };

        var handle = await CreateAsync(schedule, new ScheduleOptions
        {
            Backfills = [new(now - TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1), now - TimeSpan.FromMinutes(9), ScheduleOverlapPolicy.AllowAll)],
        });
        var afterCreate = (await handle.DescribeAsync()).Info.NumActions;
        await handle.BackfillAsync(
        [
            new(now - TimeSpan.FromMinutes(4), now - TimeSpan.FromMinutes(2), ScheduleOverlapPolicy.AllowAll),
            new(now - TimeSpan.FromMinutes(2), now, ScheduleOverlapPolicy.AllowAll),
        ]);
        var description = await handle.DescribeAsync();

        // No worker runs, so the second start of minute -2 finds its workflow still running and is dropped.
        Assert.Equal(2, afterCreate);
        Assert.Equal(7, description.Info.NumActions);
        Assert.Empty(description.Info.RunningActions);
    }

    [Fact]
    public async Task Backfill_BufferOne_FirstRunsNextWaitsRestSkipped()
    {
        var now = ThisMinute;
        var schedule = new Schedule(Action("wait"), new ScheduleSpec { Intervals = [new(TimeSpan.FromMinutes(1))] })
        {
            Policy = new() { Overlap = ScheduleOverlapPolicy.BufferOne },
            State = new() { Paused = true },
        };
        var handle = await CreateAsync(schedule);
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            await handle.BackfillAsync([new(now - TimeSpan.FromMinutes(3), now - TimeSpan.FromMinutes(1))]);
            var first = await DescribeWhenAsync(handle, d => d.Info.NumActions == 1);
            Assert.Equal(1, first.Info.NumActionsSkippedOverlap);
            var running = Started(Assert.Single(first.Info.RunningActions));

            await server.Client.GetWorkflowHandle<ScheduledWorkflow>(running.WorkflowId).SignalAsync(wf => wf.FinishAsync());
            var second = await DescribeWhenAsync(handle, d => d.Info.NumActions == 2 && d.Info.RunningActions.Count == 1 && Started(d.Info.RunningActions.Single()).WorkflowId != running.WorkflowId);

            var next = Started(second.Info.RunningActions.Single());
            Assert.EndsWith((now - TimeSpan.FromMinutes(2)).ToString("HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), next.WorkflowId);
            await server.Client.GetWorkflowHandle<ScheduledWorkflow>(next.WorkflowId).SignalAsync(wf => wf.FinishAsync());
            var last = await DescribeWhenAsync(handle, d => d.Info.RunningActions.Count == 0);
            Assert.Equal(2, last.Info.NumActions);
        });
    }

    [Theory]
    [InlineData(ScheduleOverlapPolicy.TerminateOther, WorkflowExecutionStatus.Terminated)]
    [InlineData(ScheduleOverlapPolicy.CancelOther, WorkflowExecutionStatus.Canceled)]
    public async Task Trigger_StopOtherPolicy_RunningWorkflowStoppedThenNextStarts(ScheduleOverlapPolicy policy, WorkflowExecutionStatus stopped)
    {
        var now = ThisMinute;
        var handle = await CreateAsync(Paused("wait"));
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            await TriggerAtAsync(handle, now - TimeSpan.FromMinutes(2), policy);
            var first = Started(Assert.Single((await DescribeWhenAsync(handle, d => d.Info.RunningActions.Count == 1)).Info.RunningActions));

            await TriggerAtAsync(handle, now - TimeSpan.FromMinutes(1), policy);
            var description = await DescribeWhenAsync(handle, d => d.Info.NumActions == 2 && d.Info.RunningActions.Count == 1);

            Assert.NotEqual(first.WorkflowId, Started(description.Info.RunningActions.Single()).WorkflowId);
            Assert.Equal(stopped, (await server.Client.GetWorkflowHandle(first.WorkflowId, first.FirstExecutionRunId).DescribeAsync()).Status);
        });
    }

    [Fact]
    public async Task Trigger_Skip_SecondSkippedWhileFirstRuns()
    {
        var now = ThisMinute;
        var handle = await CreateAsync(Paused("wait"));
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            await TriggerAtAsync(handle, now - TimeSpan.FromMinutes(2), ScheduleOverlapPolicy.Unspecified);
            await DescribeWhenAsync(handle, d => d.Info.RunningActions.Count == 1);
            await TriggerAtAsync(handle, now - TimeSpan.FromMinutes(1), ScheduleOverlapPolicy.Unspecified);

            var description = await DescribeWhenAsync(handle, d => d.Info.NumActionsSkippedOverlap == 1);
            Assert.Equal(1, description.Info.NumActions);
        });
    }

    [Fact]
    public async Task Trigger_AfterFailureAndAfterSuccess_NextRunGetsLastFailureThenLastResult()
    {
        var handle = await CreateAsync(Paused("chain"));
        using var worker = NewWorker();
        var results = await worker.ExecuteAsync(async () =>
        {
            var outcomes = new List<string>();
            for (var run = 1; run <= 3; run++)
            {
                await handle.TriggerAsync();
                var description = await DescribeWhenAsync(handle, d => d.Info.NumActions == run);
                var started = (ScheduleActionExecutionStartWorkflow)description.Info.RecentActions.Last().Action;
                try
                {
                    outcomes.Add(await server.Client.GetWorkflowHandle(started.WorkflowId, started.FirstExecutionRunId).GetResultAsync<string>());
                }
                catch (WorkflowFailedException e)
                {
                    outcomes.Add($"failed: {e.InnerException?.Message}");
                }
            }

            return outcomes;
        });

        Assert.Equal(["failed: boom", "after failure: boom", "after result: after failure: boom"], results);
    }

    [Fact]
    public async Task PauseOnFailure_WorkflowFails_SchedulePausedWithNote()
    {
        var handle = await CreateAsync(new Schedule(Action("chain"), new ScheduleSpec()) { Policy = new() { PauseOnFailure = true } });
        using var worker = NewWorker();
        await worker.ExecuteAsync(async () =>
        {
            await handle.TriggerAsync();
            var description = await DescribeWhenAsync(handle, d => d.Schedule.State.Paused);

            var workflowId = ((ScheduleActionExecutionStartWorkflow)description.Info.RecentActions.Single().Action).WorkflowId;
            Assert.Equal($"paused due to workflow failure: {workflowId}: boom", description.Schedule.State.Note);
        });
    }

    [Fact]
    public async Task ListSchedules_ByOwnSearchAttributeAndPaused_OnlyMatchingOnes()
    {
        var tag = Guid.NewGuid().ToString();
        var paused = await CreateAsync(Paused("done"), Tagged(tag));
        var active = await CreateAsync(new Schedule(Action("done"), new ScheduleSpec { Calendars = [new ScheduleCalendarSpec { Year = [new(2099)] }] }), Tagged(tag));
        await CreateAsync(Paused("done"), Tagged(Guid.NewGuid().ToString()));

        var both = await ListEventuallyAsync($"TestKeyword = '{tag}'", 2);
        var onlyPaused = await ListEventuallyAsync($"TestKeyword = '{tag}' AND TemporalSchedulePaused = true", 1);

        Assert.Equal(new[] { paused.Id, active.Id }.Order(), both.Select(s => s.Id).Order());
        Assert.Equal(paused.Id, onlyPaused.Single().Id);
        var entry = both.Single(s => s.Id == active.Id);
        Assert.Equal(nameof(ScheduledWorkflow), Assert.IsType<ScheduleListActionStartWorkflow>(entry.Schedule?.Action).Workflow);
        Assert.Equal(tag, entry.TypedSearchAttributes.Get(Keyword));
        Assert.Equal(5, entry.Info?.NextActionTimes.Count);
    }

    [Fact]
    public async Task ListSchedules_FilterOnSystemAttribute_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var unused in server.Client.ListSchedulesAsync(new ScheduleListOptions { Query = "WorkflowType = 'x'" }))
            {
            }
        });

        Assert.Equal(RpcException.StatusCode.InvalidArgument, e.Code);
        Assert.Equal("invalid query filter for schedules: cannot filter on \"WorkflowType\"", e.Message);
    }

    [Fact]
    public async Task CountSchedules_ByOwnSearchAttribute_CountsMatchingOnes()
    {
        var tag = Guid.NewGuid().ToString();
        await CreateAsync(Paused("done"), Tagged(tag));
        await CreateAsync(Paused("done"), Tagged(tag));

        await Eventually.TrueAsync(
            async () => (await server.Client.Connection.WorkflowService.CountSchedulesAsync(new CountSchedulesRequest
            {
                Namespace = ServerFixture.Namespace,
                Query = $"TestKeyword = '{tag}'",
            })).Count == 2,
            Deadline);
    }

    [Fact]
    public async Task DeleteSchedule_DescribeAfterwards_NotFoundAndStartedWorkflowGoesOn()
    {
        var handle = await CreateAsync(Paused("wait"));
        await handle.TriggerAsync();
        var started = (ScheduleActionExecutionStartWorkflow)(await DescribeWhenAsync(handle, d => d.Info.NumActions == 1)).Info.RecentActions.Single().Action;

        await handle.DeleteAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => handle.DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, e.Code);
        Assert.Equal(WorkflowExecutionStatus.Running, (await server.Client.GetWorkflowHandle(started.WorkflowId).DescribeAsync()).Status);
        await server.Client.GetWorkflowHandle(started.WorkflowId).TerminateAsync("test done");
    }

    [Fact]
    public async Task ListScheduleMatchingTimes_DailyCalendar_TimesWithinTheRange()
    {
        var schedule = new Schedule(Action("done"), new ScheduleSpec { CronExpressions = ["0 9 * * *"] }) { State = new() { Paused = true } };
        var handle = await CreateAsync(schedule);

        var response = await server.Client.Connection.WorkflowService.ListScheduleMatchingTimesAsync(new ListScheduleMatchingTimesRequest
        {
            Namespace = ServerFixture.Namespace,
            ScheduleId = handle.Id,
            StartTime = Timestamp.FromDateTime(new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            EndTime = Timestamp.FromDateTime(new DateTime(2030, 1, 4, 0, 0, 0, DateTimeKind.Utc)),
        });

        Assert.Equal(
            [new DateTime(2030, 1, 1, 9, 0, 0, DateTimeKind.Utc), new DateTime(2030, 1, 2, 9, 0, 0, DateTimeKind.Utc), new DateTime(2030, 1, 3, 9, 0, 0, DateTimeKind.Utc)],
            response.StartTime.Select(t => t.ToDateTime()));
    }

    private static void AssertSameJson<T>(T expected, T actual) => Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));

    private static ScheduleOptions Tagged(string tag) => new()
    {
        TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(Keyword, tag).ToSearchAttributeCollection(),
    };

    private static async Task<ScheduleDescription> DescribeWhenAsync(ScheduleHandle handle, Func<ScheduleDescription, bool> condition)
    {
        ScheduleDescription? description = null;
        await Eventually.TrueAsync(async () => condition(description = await handle.DescribeAsync()), Deadline);
        return description!;
    }

    private static ScheduleActionExecutionStartWorkflow Started(ScheduleActionExecution execution) => Assert.IsType<ScheduleActionExecutionStartWorkflow>(execution);

    private ScheduleActionStartWorkflow Action(string mode, Action<WorkflowOptions>? configure = null)
    {
        var options = new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue);
        configure?.Invoke(options);
        return ScheduleActionStartWorkflow.Create((ScheduledWorkflow wf) => wf.RunAsync(mode), options);
    }

    private Schedule Paused(string mode) => new(Action(mode), new ScheduleSpec()) { State = new() { Paused = true } };

    private async Task<ScheduleHandle> CreateAsync(Schedule schedule, ScheduleOptions? options = null)
    {
        var handle = await server.Client.CreateScheduleAsync($"sched-{Guid.NewGuid()}", schedule, options);
        _created.Add(handle);
        return handle;
    }

    /// <summary>TriggerImmediately at a given time (the SDK triggers only "now"), so two triggers name two workflows.</summary>
    private Task<PatchScheduleResponse> TriggerAtAsync(ScheduleHandle handle, DateTime at, ScheduleOverlapPolicy policy) =>
        server.Client.Connection.WorkflowService.PatchScheduleAsync(new PatchScheduleRequest
        {
            Namespace = ServerFixture.Namespace,
            ScheduleId = handle.Id,
            RequestId = Guid.NewGuid().ToString(),
            Patch = new() { TriggerImmediately = new() { ScheduledTime = Timestamp.FromDateTime(at), OverlapPolicy = policy } },
        });

    private async Task<List<ScheduleListDescription>> ListEventuallyAsync(string query, int count)
    {
        var listed = new List<ScheduleListDescription>();
        await Eventually.TrueAsync(
            async () =>
            {
                listed.Clear();
                await foreach (var schedule in server.Client.ListSchedulesAsync(new ScheduleListOptions { Query = query }))
                {
                    listed.Add(schedule);
                }

                return listed.Count == count;
            },
            Deadline);
        return listed;
    }

    private TemporalWorker NewWorker() => new(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<ScheduledWorkflow>());

    [Workflow]
    public sealed class ScheduledWorkflow
    {
        private bool _finish;

        /// <param name="mode">
        /// "wait" waits for the finish signal, "chain" reports the last run's failure or result (and fails without either),
        /// "tags" reports the search attributes the schedule set; anything else is the result.
        /// </param>
        [WorkflowRun]
        public async Task<string> RunAsync(string mode)
        {
            switch (mode)
            {
                case "wait":
                    await Workflow.WaitConditionAsync(() => _finish);
                    return "finished";
                case "chain" when Workflow.Info.LastFailure is { } failure:
                    return $"after failure: {failure.Message}";
                case "chain" when Workflow.Info.LastResult?.SingleOrDefault() is { } last:
                    return $"after result: {Workflow.PayloadConverter.ToValue<string>(last)}";
                case "chain":
                    throw new ApplicationFailureException("boom", nonRetryable: true);
                case "tags":
                    var time = Workflow.TypedSearchAttributes.Get(ScheduledStartTime).UtcDateTime;
                    return $"scheduled by {Workflow.TypedSearchAttributes.Get(ScheduledById)} for {time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)}";
                default:
                    return mode;
            }
        }

        [WorkflowSignal]
        public async Task FinishAsync() => _finish = true;
    }
}
