using Dstack.Core.Runs;
using Dstack.Workflows;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Dstack.Benchmarks.WebUi;

/// <summary>
/// Stands in for a dstack run that has finished: it upserts the status and backend search attributes as the run
/// workflow does, then completes or, when asked, fails, so the list holds both outcomes as real runs leave them.
/// </summary>
[Workflow]
public sealed class FinishedRunWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(bool fail)
    {
        Workflow.UpsertTypedSearchAttributes(
            DstackSearchAttributes.Status.ValueSet((fail ? RunStatus.Failed : RunStatus.Done).ToDisplayName()),
            DstackSearchAttributes.Backend.ValueSet("local"));
        if (fail)
        {
            throw new ApplicationFailureException("the job exited with code 1", errorType: "JobFailed", nonRetryable: true);
        }

        return "done";
    }
}
