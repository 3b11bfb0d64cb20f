using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Dstack.Cli.Runs;

/// <summary>
/// Lists and finds runs: manifests in storage (they outlive Temporal's retention and restarts) merged with the
/// runs Temporal has open. Without a Temporal client it answers from storage alone.
/// </summary>
internal sealed class RunCatalog(IStorage storage, ITemporalClient? temporal)
{
    private static readonly string OpenRunsQuery = $"WorkflowType = '{RunWorkflow.Name}' AND ExecutionStatus = 'Running'";

    private readonly ManifestStore _manifests = new(storage);

    /// <summary>Gets every run, oldest first.</summary>
    public async Task<IReadOnlyList<RunView>> ListAsync(CancellationToken cancellationToken)
    {
        // Temporal first, storage second: a run that finishes in between reads as finished from its manifest.
        var open = new Dictionary<string, WorkflowExecution>(StringComparer.Ordinal);
        if (temporal is not null)
        {
            var options = new WorkflowListOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } };
            await foreach (var execution in temporal.ListWorkflowsAsync(OpenRunsQuery, options))
            {
                open[execution.Id] = execution;
            }
        }

        var views = new List<RunView>();
        foreach (var manifest in await _manifests.ListAsync(cancellationToken))
        {
            var name = manifest.Spec.RunName;
            if (open.Remove(name, out var execution))
            {
                views.Add(Merge(name, manifest, execution));
            }
            else if (temporal is not null && !manifest.Status.IsFinished())
            {
                // Not in the list: it may have started after the listing, so ask about this one run.
                views.Add(await GetAsync(name, cancellationToken) ?? Merge(name, manifest, null));
            }
            else
            {
                views.Add(Merge(name, manifest, null));
            }
        }

        // Open in Temporal with no manifest yet: the workflow has not written its first one.
        views.AddRange(open.Values.Select(e => Merge(e.Id, null, e)));
        return [.. views.OrderBy(v => v.SubmittedAt).ThenBy(v => v.Name, StringComparer.Ordinal)];
    }

    /// <summary>Finds one run, or returns null when neither storage nor Temporal knows it.</summary>
    public async Task<RunView?> GetAsync(string run, CancellationToken cancellationToken)
    {
        var execution = temporal is null ? null : await DescribeAsync(temporal, run, cancellationToken);
        var manifest = await _manifests.ReadAsync(run, cancellationToken);
        var open = execution?.Status == WorkflowExecutionStatus.Running ? execution : null;
        return manifest is null && open is null ? null : Merge(run, manifest, open, execution?.Status);
    }

    private static async Task<WorkflowExecution?> DescribeAsync(ITemporalClient client, string run, CancellationToken cancellationToken)
    {
        try
        {
            var description = await client.GetWorkflowHandle(run).DescribeAsync(
                new WorkflowDescribeOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } });
            return description.WorkflowType == RunWorkflow.Name ? description : null;
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>How <c>temporal workflow describe</c> words a closed workflow's status.</summary>
    private static string? ClosedAs(WorkflowExecutionStatus? status) => status switch
    {
        WorkflowExecutionStatus.Terminated => "terminated",
        WorkflowExecutionStatus.Canceled => "canceled",
        WorkflowExecutionStatus.Failed => "failed",
        WorkflowExecutionStatus.TimedOut => "timed out",
        WorkflowExecutionStatus.Completed => "completed",
        WorkflowExecutionStatus.ContinuedAsNew => "continued as new",
        _ => null,
    };

    private RunView Merge(string name, RunManifest? manifest, WorkflowExecution? execution, WorkflowExecutionStatus? temporalStatus = null)
    {
        var attributes = execution?.TypedSearchAttributes;
        var liveStatus = attributes is not null
            && attributes.TryGetValue(DstackSearchAttributes.Status, out var text)
            && Enum.TryParse<RunStatus>(text, ignoreCase: true, out var parsed)
                ? parsed
                : (RunStatus?)null;
        string? liveBackend = null;
        string? liveWorkflow = null;
        string? liveRepo = null;
        attributes?.TryGetValue(DstackSearchAttributes.Backend, out liveBackend);
        attributes?.TryGetValue(DstackSearchAttributes.Workflow, out liveWorkflow);
        attributes?.TryGetValue(DstackSearchAttributes.Repo, out liveRepo);

        var status = liveStatus ?? manifest?.Status ?? RunStatus.Submitted;
        var lost = execution is null && temporal is not null && !status.IsFinished();
        return new RunView
        {
            Name = name,
            Workflow = manifest?.Spec.WorkflowName ?? liveWorkflow,
            SubmittedAt = manifest?.Spec.SubmittedAt ?? new DateTimeOffset(execution!.StartTime, TimeSpan.Zero), // one of them is set
            Status = status,
            Backend = manifest?.Backend ?? liveBackend,
            Repo = manifest?.Spec.Repo.RepoId ?? liveRepo,
            Manifest = manifest,
            Live = execution is not null,
            Lost = lost,
            EndedInTemporal = lost ? ClosedAs(temporalStatus) : null,
        };
    }
}
