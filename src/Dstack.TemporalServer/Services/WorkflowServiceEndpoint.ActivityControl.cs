using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Dstack.TemporalServer.Services;

/// <content>What operators call on a workflow's pending activities: pause, unpause and reset.</content>
internal sealed partial class WorkflowServiceEndpoint
{
    private PauseActivityResponse PauseActivity(PauseActivityRequest request, ServerCallContext context)
    {
        var byId = request.ActivityCase == PauseActivityRequest.ActivityOneofCase.Id ? request.Id : null;
        var byType = request.ActivityCase == PauseActivityRequest.ActivityOneofCase.Type ? request.Type : null;
        lock (_engine.Gate)
        {
            var (run, activities) = ResolveActivities(request.Namespace, request.Execution, byId, byType, all: false, request.ActivityCase == PauseActivityRequest.ActivityOneofCase.None);
            var pause = new ActivityPause(_engine.UtcNow, request.Identity, request.Reason, request.RequestId);
            foreach (var activity in activities)
            {
                if (!run.PauseActivity(activity, pause))
                {
                    throw ServerErrors.FailedPrecondition("activity is already paused");
                }
            }

            return new PauseActivityResponse();
        }
    }

    private UnpauseActivityResponse UnpauseActivity(UnpauseActivityRequest request, ServerCallContext context)
    {
        var byId = request.ActivityCase == UnpauseActivityRequest.ActivityOneofCase.Id ? request.Id : null;
        var byType = request.ActivityCase == UnpauseActivityRequest.ActivityOneofCase.Type ? request.Type : null;
        var all = request.ActivityCase == UnpauseActivityRequest.ActivityOneofCase.UnpauseAll && request.UnpauseAll;
        lock (_engine.Gate)
        {
            var (run, activities) = ResolveActivities(request.Namespace, request.Execution, byId, byType, all, request.ActivityCase == UnpauseActivityRequest.ActivityOneofCase.None);
            foreach (var activity in activities)
            {
                run.UnpauseActivity(activity, request.ResetAttempts, request.ResetHeartbeat, request.Jitter?.ToTimeSpan() ?? TimeSpan.Zero);
            }

            return new UnpauseActivityResponse();
        }
    }

    private ResetActivityResponse ResetActivity(ResetActivityRequest request, ServerCallContext context)
    {
        var byId = request.ActivityCase == ResetActivityRequest.ActivityOneofCase.Id ? request.Id : null;
        var byType = request.ActivityCase == ResetActivityRequest.ActivityOneofCase.Type ? request.Type : null;
        var all = request.ActivityCase == ResetActivityRequest.ActivityOneofCase.MatchAll && request.MatchAll;
        lock (_engine.Gate)
        {
            var (run, activities) = ResolveActivities(request.Namespace, request.Execution, byId, byType, all, request.ActivityCase == ResetActivityRequest.ActivityOneofCase.None);

            // The options never change here (no UpdateActivityOptions), so restore_original_options has nothing to restore.
            foreach (var activity in activities)
            {
                run.ResetActivity(activity, request.ResetHeartbeat, request.KeepPaused, request.Jitter?.ToTimeSpan() ?? TimeSpan.Zero);
            }

            return new ResetActivityResponse();
        }
    }

    /// <summary>Real Temporal's checks, in its order: the request, the run, then at least one pending activity that matches.</summary>
    private (WorkflowRun Run, List<ActivityState> Activities) ResolveActivities(
        string ns, WorkflowExecution? execution, string? activityId, string? activityType, bool all, bool noActivity)
    {
        if (string.IsNullOrEmpty(execution?.WorkflowId))
        {
            throw ServerErrors.InvalidArgument("WorkflowId is not set on request.");
        }

        if (noActivity)
        {
            throw ServerErrors.InvalidArgument("Either Activity.Id or Activity.Type should be set on request.");
        }

        var run = ResolveRun(_engine.Namespace(ns), execution);
        if (!run.IsOpen)
        {
            throw ServerErrors.WorkflowCompleted();
        }

        var activities = run.MatchActivities(activityId, activityType, all);
        return activities.Count > 0 ? (run, activities) : throw ServerErrors.ActivityNotFound();
    }
}
