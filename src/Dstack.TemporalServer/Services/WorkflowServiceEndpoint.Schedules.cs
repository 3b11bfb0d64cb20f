using System.Globalization;
using System.Text;
using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Dstack.TemporalServer.Schedules;
using Dstack.TemporalServer.Visibility;
using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>
/// Schedules: create, describe, update, patch (trigger, backfill, pause, unpause), delete, list, count and matching
/// times, with real Temporal's checks and errors. The schedules start their workflows through this endpoint's
/// StartWorkflowExecution, as real Temporal's scheduler goes through its frontend.
/// </content>
internal sealed partial class WorkflowServiceEndpoint : IScheduledWorkflowStarter
{
    private const int MaxSchedulePageSize = 1000;

    /// <summary>Suffix real Temporal appends to an action's workflow ID to check that the started workflows' IDs fit.</summary>
    private const string AppendedTimestampForValidation = "-2009-11-10T23:00:00Z";

    // StartWorkflowExecution reads nothing of its call context; a scheduled start has none.
    StartWorkflowExecutionResponse IScheduledWorkflowStarter.Start(StartWorkflowExecutionRequest request) => StartWorkflowExecution(request, null!);

    private void AddScheduleHandlers()
    {
        _handlers
            .Add<CreateScheduleRequest>("CreateSchedule", CreateSchedule)
            .Add<DescribeScheduleRequest>("DescribeSchedule", DescribeSchedule)
            .Add<UpdateScheduleRequest>("UpdateSchedule", UpdateSchedule)
            .Add<PatchScheduleRequest>("PatchSchedule", PatchSchedule)
            .Add<DeleteScheduleRequest>("DeleteSchedule", DeleteSchedule)
            .Add<ListSchedulesRequest>("ListSchedules", ListSchedules)
            .Add<CountSchedulesRequest>("CountSchedules", CountSchedules)
            .Add<ListScheduleMatchingTimesRequest>("ListScheduleMatchingTimes", ListScheduleMatchingTimes);
        _engine.AttachScheduleStarter(this);
    }

    private CreateScheduleResponse CreateSchedule(CreateScheduleRequest request, ServerCallContext context)
    {
        CheckScheduleId(request.Namespace, request.ScheduleId);
        if (string.IsNullOrEmpty(request.RequestId))
        {
            throw ServerErrors.InvalidArgument("RequestId is not set on request.");
        }

        CheckRequestId(request.RequestId);
        var schedule = request.Schedule ?? new Schedule();
        var spec = CompileSpec(schedule.Spec);
        CheckScheduledWorkflow(schedule.Action?.StartWorkflow);
        CheckNotes(request.InitialPatch);
        if (request.Memo is not null && request.Memo.CalculateSize() > _engine.Options.BlobSizeLimit)
        {
            throw ServerErrors.InvalidArgument("Memo size exceeds limit.");
        }

        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            CheckSearchAttributes(ns, request.SearchAttributes);
            CheckSearchAttributes(ns, schedule.Action?.StartWorkflow?.SearchAttributes);
            if (_engine.FindSchedule(ns, request.ScheduleId) is { } existing)
            {
                // A retried create is answered as the first one was.
                return existing.RequestId == request.RequestId
                    ? new CreateScheduleResponse { ConflictToken = existing.ConflictTokenBytes }
                    : throw ServerErrors.AlreadyStarted($"schedule \"{request.ScheduleId}\" is already registered", string.Empty, string.Empty);
            }

            var created = new ServerSchedule(_engine, ns, request.ScheduleId, request.RequestId, ServerSchedule.Normalize(schedule, spec), spec, _engine.UtcNow);
            created.ReplaceMemo(request.Memo);
            created.ReplaceSearchAttributes(request.SearchAttributes);
            _engine.AddSchedule(created);
            created.Wake(request.InitialPatch is { } patch ? () => ApplyPatch(created, patch) : null);
            return new CreateScheduleResponse { ConflictToken = created.ConflictTokenBytes };
        }
    }

    private DescribeScheduleResponse DescribeSchedule(DescribeScheduleRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            return FindSchedule(request.Namespace, request.ScheduleId).Describe();
        }
    }

    private UpdateScheduleResponse UpdateSchedule(UpdateScheduleRequest request, ServerCallContext context)
    {
        CheckRequestId(request.RequestId);
        var schedule = request.Schedule ?? new Schedule();
        var workflow = schedule.Action?.StartWorkflow;
        CheckScheduledWorkflow(workflow);
        var spec = CompileSpec(schedule.Spec);
        if (workflow is null)
        {
            throw ServerErrors.InvalidArgument("Only StartWorkflow action is supported for schedules");
        }

        if ((request.Memo?.CalculateSize() ?? 0) + (workflow.Input?.CalculateSize() ?? 0) > _engine.Options.BlobSizeLimit)
        {
            throw ServerErrors.BlobTooLarge();
        }

        lock (_engine.Gate)
        {
            var found = FindSchedule(request.Namespace, request.ScheduleId);
            CheckSearchAttributes(found.Namespace, request.SearchAttributes);
            CheckSearchAttributes(found.Namespace, workflow.SearchAttributes);

            // An update made against an older description would undo the changes since; real Temporal refuses it.
            if (!request.ConflictToken.IsEmpty && request.ConflictToken != found.ConflictTokenBytes)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "mismatched conflict token"));
            }

            var now = _engine.UtcNow;
            found.Wake(() =>
            {
                found.Update(ServerSchedule.Normalize(schedule, spec), spec, now);

                // Unset keeps the search attributes; set, even empty, replaces them all.
                if (request.SearchAttributes is not null)
                {
                    found.ReplaceSearchAttributes(request.SearchAttributes);
                }

                if (request.Memo is not null)
                {
                    found.ReplaceMemo(request.Memo);
                }
            });
            return new UpdateScheduleResponse();
        }
    }

    private PatchScheduleResponse PatchSchedule(PatchScheduleRequest request, ServerCallContext context)
    {
        var patch = request.Patch ?? throw ServerErrors.InvalidArgument("Patch is not set on request.");
        CheckRequestId(request.RequestId);
        CheckNotes(patch);
        lock (_engine.Gate)
        {
            var found = FindSchedule(request.Namespace, request.ScheduleId);
            found.Wake(() => ApplyPatch(found, patch));
            return new PatchScheduleResponse();
        }
    }

    private DeleteScheduleResponse DeleteSchedule(DeleteScheduleRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            _engine.RemoveSchedule(FindSchedule(request.Namespace, request.ScheduleId));
            return new DeleteScheduleResponse();
        }
    }

    private ListSchedulesResponse ListSchedules(ListSchedulesRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            var query = ParseScheduleQuery(ns, request.Query);
            var offset = request.NextPageToken.Length > 0 ? int.Parse(Encoding.UTF8.GetString(request.NextPageToken.Span), CultureInfo.InvariantCulture) : 0;
            var pageSize = request.MaximumPageSize is > 0 and <= MaxSchedulePageSize ? request.MaximumPageSize : MaxSchedulePageSize;

            // Newest first, as the visibility store orders the schedules' rows by start time.
            var matches = _engine.SchedulesOf(ns).Where(query.Matches)
                .OrderByDescending(s => s.Info.CreateTime.ToDateTime()).ThenBy(s => s.Id, StringComparer.Ordinal)
                .Skip(offset).Take(pageSize + 1).ToList();
            var response = new ListSchedulesResponse();
            response.Schedules.AddRange(matches.Take(pageSize).Select(s => s.ListEntry()));
            if (matches.Count > pageSize)
            {
                response.NextPageToken = ByteString.CopyFromUtf8((offset + pageSize).ToString(CultureInfo.InvariantCulture));
            }

            return response;
        }
    }

    private CountSchedulesResponse CountSchedules(CountSchedulesRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var ns = _engine.Namespace(request.Namespace);
            var query = ParseScheduleQuery(ns, request.Query);
            return new CountSchedulesResponse { Count = _engine.SchedulesOf(ns).Count(query.Matches) };
        }
    }

    private ListScheduleMatchingTimesResponse ListScheduleMatchingTimes(ListScheduleMatchingTimesRequest request, ServerCallContext context)
    {
        lock (_engine.Gate)
        {
            var found = FindSchedule(request.Namespace, request.ScheduleId);
            if (request.StartTime is null || request.EndTime is null)
            {
                throw ServerErrors.InvalidArgument("missing or invalid query");
            }

            var response = new ListScheduleMatchingTimesResponse();
            response.StartTime.AddRange(found.MatchingTimes(request.StartTime.ToDateTime(), request.EndTime.ToDateTime()));
            return response;
        }
    }

    private static void ApplyPatch(ServerSchedule schedule, SchedulePatch patch)
    {
        if (patch.TriggerImmediately is { } trigger)
        {
            schedule.Trigger(trigger);
        }

        foreach (var backfill in patch.BackfillRequest)
        {
            schedule.Backfill(backfill);
        }

        if (patch.Pause.Length > 0)
        {
            schedule.Pause(patch.Pause);
        }

        if (patch.Unpause.Length > 0)
        {
            schedule.Unpause(patch.Unpause);
        }
    }

    private static CompiledScheduleSpec CompileSpec(ScheduleSpec? spec)
    {
        try
        {
            return ScheduleSpecCompiler.Compile(spec ?? new ScheduleSpec());
        }
        catch (ScheduleSpecException e)
        {
            throw ServerErrors.InvalidArgument("Invalid schedule spec: " + e.Message);
        }
    }

    private static void CheckScheduleId(string ns, string scheduleId)
    {
        if (string.IsNullOrEmpty(ns))
        {
            throw ServerErrors.InvalidArgument("Namespace not set on request.");
        }

        if (string.IsNullOrEmpty(scheduleId))
        {
            throw ServerErrors.InvalidArgument("ScheduleId is not set on request.");
        }

        if (ScheduleLimits.WorkflowIdPrefix.Length + scheduleId.Length > MaxIdLength)
        {
            throw ServerErrors.InvalidArgument("WorkflowId exceeds length limit.");
        }
    }

    private static void CheckRequestId(string requestId)
    {
        if (requestId.Length > MaxIdLength)
        {
            throw ServerErrors.InvalidArgument("RequestId length exceeds limit.");
        }
    }

    private static void CheckNotes(SchedulePatch? patch)
    {
        if (patch is not null && (patch.Pause.Length > ScheduleLimits.NotesSizeLimit || patch.Unpause.Length > ScheduleLimits.NotesSizeLimit))
        {
            throw ServerErrors.InvalidArgument("Schedule notes exceeds limit.");
        }
    }

    /// <summary>Real Temporal's checks of a schedule's workflow, made when the schedule is written rather than at each start.</summary>
    private void CheckScheduledWorkflow(NewWorkflowExecutionInfo? workflow)
    {
        if (workflow is null)
        {
            return;
        }

        if (workflow.WorkflowId.Length + AppendedTimestampForValidation.Length > MaxIdLength)
        {
            throw ServerErrors.InvalidArgument("WorkflowId exceeds length limit.");
        }

        if (string.IsNullOrEmpty(workflow.WorkflowType?.Name))
        {
            throw ServerErrors.InvalidArgument("WorkflowType is not set on request.");
        }

        if (string.IsNullOrEmpty(workflow.TaskQueue?.Name))
        {
            throw ServerErrors.InvalidArgument("TaskQueue is not set on request.");
        }

        if (IsNegative(workflow.WorkflowExecutionTimeout) || IsNegative(workflow.WorkflowRunTimeout) || IsNegative(workflow.WorkflowTaskTimeout))
        {
            throw ServerErrors.InvalidArgument("Invalid WorkflowExecutionTimeout, WorkflowRunTimeout or WorkflowTaskTimeout.");
        }

        if (workflow.CronSchedule.Length > 0)
        {
            throw ServerErrors.InvalidArgument("Scheduled workflow must not contain CronSchedule");
        }

        if (workflow.WorkflowIdReusePolicy is not (WorkflowIdReusePolicy.Unspecified or WorkflowIdReusePolicy.AllowDuplicate))
        {
            throw ServerErrors.InvalidArgument("Scheduled workflow must not contain WorkflowIDReusePolicy");
        }

        CheckBlob(workflow.Input);
    }

    private ServerSchedule FindSchedule(string ns, string scheduleId) =>
        _engine.FindSchedule(_engine.Namespace(ns), scheduleId) ?? throw ServerErrors.NotFound("schedule not found");

    /// <summary>Checks the user's query as written (its errors at its own positions), refuses system attributes, and limits it to schedules.</summary>
    private static VisibilityQuery ParseScheduleQuery(ServerNamespace ns, string query)
    {
        var types = new Dictionary<string, IndexedValueType>(SystemSearchAttributes.All, StringComparer.Ordinal)
        {
            [ScheduleQuery.ScheduleIdAttribute] = IndexedValueType.Keyword,
        };
        foreach (var (name, type) in ns.CustomSearchAttributes)
        {
            types[name] = type;
        }

        try
        {
            VisibilityQuery.Parse(query, types);
            if (ScheduleQuery.ForbiddenAttribute(query) is { } forbidden)
            {
                throw ServerErrors.InvalidArgument($"invalid query filter for schedules: cannot filter on \"{forbidden}\"");
            }

            return VisibilityQuery.Parse(ScheduleQuery.WithinSchedules(query), types);
        }
        catch (VisibilityQueryException e)
        {
            throw ServerErrors.InvalidArgument("invalid query: " + e.Message);
        }
    }
}
