using Temporalio.Client;

namespace Dstack.Workflows.Tests;

/// <summary>
/// With <c>DSTACK_RECORD_HISTORIES=DIR</c>, writes the history of every execution of a workflow to DIR: how the histories
/// that <see cref="RunWorkflowReplayTests"/> replays are recorded. Does nothing otherwise.
/// </summary>
internal static class HistoryRecorder
{
    public static async Task RecordAsync(ITemporalClient client, string workflowId)
    {
        if (Environment.GetEnvironmentVariable("DSTACK_RECORD_HISTORIES") is not { Length: > 0 } folder)
        {
            return;
        }

        var n = 0;
        await foreach (var execution in client.ListWorkflowsAsync($"WorkflowId = '{workflowId}'"))
        {
            var history = await client.GetWorkflowHandle(execution.Id, execution.RunId).FetchHistoryAsync();
            await File.WriteAllTextAsync(Path.Combine(folder, $"{workflowId}-{n++}-{execution.Status}.json"), history.ToJson());
        }
    }
}
