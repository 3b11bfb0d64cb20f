using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.HttpApi;

/// <summary>Collects notes sent as signals until one says "finish"; a query reads them.</summary>
[Workflow]
public sealed class HttpApiWorkflow
{
    private readonly List<string> _notes = [];

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _notes.Contains("finish"));
        return string.Join(",", _notes);
    }

    [WorkflowSignal("Note")]
    public Task NoteAsync(string note)
    {
        _notes.Add(note);
        return Task.CompletedTask;
    }

    [WorkflowQuery("Notes")]
    public string Notes(string separator) => string.Join(separator, _notes);
}
