using Temporalio.Common;
using Temporalio.Worker;

namespace Dstack.Workflows.Tests;

/// <summary>
/// Runs in flight across an upgrade replay their histories on the new worker. The histories in <c>Histories/</c> were
/// recorded with RunWorkflow as it was before cancellation became a stop (against the embedded server, activities faked):
/// a run done, one stopped by the signal, one cancelled while running and one cancelled while waiting for capacity. The
/// last two replay only because the new behaviour is behind <c>Workflow.Patched</c>.
/// </summary>
public sealed class RunWorkflowReplayTests
{
    private static readonly string HistoryFolder = Path.Combine(AppContext.BaseDirectory, "Histories");

    public static TheoryData<string> Histories { get; } =
        new(Directory.GetFiles(HistoryFolder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Histories))]
    public async Task Replay_HistoryOfAnEarlierVersion_ReplaysWithoutNondeterminism(string history)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(HistoryFolder, history + ".json"));
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions { DataConverter = DstackDataConverter.Instance }.AddWorkflow<RunWorkflow>());

        // Throws on a nondeterminism error.
        var result = await replayer.ReplayWorkflowAsync(WorkflowHistory.FromJson(history, json));

        Assert.Null(result.ReplayFailure);
    }
}
