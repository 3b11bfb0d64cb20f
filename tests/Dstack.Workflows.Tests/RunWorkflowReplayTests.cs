using Dstack.Workflows.Queue;
using Temporalio.Common;
using Temporalio.Worker;

namespace Dstack.Workflows.Tests;

/// <summary>
/// Runs in flight across an upgrade replay their histories on the new worker; a change to <c>RunWorkflow</c> that would
/// break them fails here. The histories in <c>Histories/</c> were recorded against the embedded server with the activities
/// faked (<c>DSTACK_RECORD_HISTORIES=DIR</c> with <see cref="RunWorkflowTests"/>). Four come from RunWorkflow as it was
/// before cancellation became a stop (a run done, one stopped by the signal, one cancelled while running, one cancelled
/// while waiting for capacity; the last two replay only because the new behaviour is behind <c>Workflow.Patched</c>);
/// four from stop 30: a spot run interrupted and done in another region, both executions of a run that waited for
/// capacity across a continue-as-new, and an auto-spot run that fell back to on-demand; and one recorded when the
/// capacity search became one record: a launch that failed other than for capacity, released by its client token
/// before the next offer ran the job. Two are runs that waited in the capacity queue and were woken
/// (<see cref="CapacityQueueTests"/>): one from before a run went on without waiting for its leave signal, one after.
/// Later ones are named for what they show; two are of the capacity queue itself, still running, from before and after
/// it looked for slots freed without a release (<c>queue-looks-for-free-slots</c>), and one from after a look waited for the
/// run it woke (<c>queue-one-look-at-a-time</c>). The <c>*-prepared-by-the-job-activity*</c> ones come from after the job
/// activity prepared the job itself (<c>prepare-in-execute</c>; the histories before it have a PrepareJob activity), the
/// queued one also from after a slot's release became a local activity (<c>release-slot-locally</c>).
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
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions { DataConverter = DstackDataConverter.Instance }.AddWorkflow<RunWorkflow>().AddWorkflow<CapacityQueueWorkflow>());

        // Throws on a nondeterminism error.
        var result = await replayer.ReplayWorkflowAsync(WorkflowHistory.FromJson(history, json));

        Assert.Null(result.ReplayFailure);
    }
}
