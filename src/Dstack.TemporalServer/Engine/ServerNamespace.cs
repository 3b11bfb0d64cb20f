using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>One namespace: its runs, task queues and custom search attributes. Used under the engine lock.</summary>
internal sealed class ServerNamespace(string name)
{
    private readonly Dictionary<(string Name, bool Activity), MatchingQueue> _queues = [];

    public string Name { get; } = name;

    public string Id { get; } = Guid.NewGuid().ToString();

    public Dictionary<string, IndexedValueType> CustomSearchAttributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets every run of each workflow ID, oldest first; the last one is the current run.</summary>
    public Dictionary<string, List<WorkflowRun>> RunsByWorkflowId { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, WorkflowRun> RunsById { get; } = new(StringComparer.Ordinal);

    public MatchingQueue WorkflowQueue(string name) => Queue(name, activity: false);

    public MatchingQueue ActivityQueue(string name) => Queue(name, activity: true);

    /// <summary>Finds a queue without creating it: describing a queue nobody used must not leave one behind.</summary>
    public MatchingQueue? FindQueue(string name, bool activity) => _queues.GetValueOrDefault((name, activity));

    public WorkflowRun? CurrentRun(string workflowId) =>
        RunsByWorkflowId.TryGetValue(workflowId, out var runs) && runs.Count > 0 ? runs[^1] : null;

    /// <summary>Finds a run of <paramref name="workflowId"/>: the one named by <paramref name="runId"/>, or the current one when it is empty.</summary>
    public WorkflowRun? FindRun(string workflowId, string? runId)
    {
        var run = string.IsNullOrEmpty(runId) ? CurrentRun(workflowId) : RunsById.GetValueOrDefault(runId);
        return run?.WorkflowId == workflowId ? run : null;
    }

    public void Add(WorkflowRun run)
    {
        RunsById.Add(run.RunId, run);
        if (!RunsByWorkflowId.TryGetValue(run.WorkflowId, out var runs))
        {
            runs = [];
            RunsByWorkflowId.Add(run.WorkflowId, runs);
        }

        runs.Add(run);
    }

    public void Remove(WorkflowRun run)
    {
        RunsById.Remove(run.RunId);
        if (RunsByWorkflowId.TryGetValue(run.WorkflowId, out var runs))
        {
            runs.Remove(run);
            if (runs.Count == 0)
            {
                RunsByWorkflowId.Remove(run.WorkflowId);
            }
        }
    }

    private MatchingQueue Queue(string name, bool activity)
    {
        if (!_queues.TryGetValue((name, activity), out var queue))
        {
            queue = new MatchingQueue();
            _queues.Add((name, activity), queue);
        }

        return queue;
    }
}
