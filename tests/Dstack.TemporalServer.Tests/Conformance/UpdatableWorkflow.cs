using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

/// <summary>A workflow with updates of every kind: one with a validator, one that waits for a signal, one that fails.</summary>
[Workflow]
public sealed class UpdatableWorkflow
{
    private bool _released;
    private bool _finished;

    // The counter is set before any handler runs: an update can be delivered with the first workflow task.
    [WorkflowInit]
    public UpdatableWorkflow(int initial) => Counter = initial;

    [WorkflowQuery]
    public int Counter { get; private set; }

    [WorkflowRun]
    public async Task<int> RunAsync(int initial)
    {
        await Workflow.WaitConditionAsync(() => _finished);
        return Counter;
    }

    [WorkflowUpdate("Add")]
    public async Task<int> AddAsync(int value)
    {
        Counter += value;
        return Counter;
    }

    [WorkflowUpdateValidator(nameof(AddAsync))]
    public void ValidateAdd(int value)
    {
        if (value < 0)
        {
            throw new ApplicationFailureException("negative values are rejected");
        }
    }

    [WorkflowUpdate]
    public async Task<string> WaitForReleaseAsync()
    {
        await Workflow.WaitConditionAsync(() => _released);
        return "released";
    }

    [WorkflowUpdate]
    public Task FailAsync() => throw new ApplicationFailureException("update failed on purpose", "UpdateFailure");

    [WorkflowSignal]
    public async Task ReleaseAsync() => _released = true;

    [WorkflowSignal]
    public async Task FinishAsync() => _finished = true;
}
