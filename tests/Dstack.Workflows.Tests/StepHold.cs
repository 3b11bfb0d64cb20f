namespace Dstack.Workflows.Tests;

/// <summary>
/// Holds one faked activity where it runs until the test releases it, so that a test can act (signal, cancel, terminate)
/// while the workflow is in exactly that step.
/// </summary>
public sealed class StepHold
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a task that completes when the activity has started and is being held.</summary>
    public Task Reached => _reached.Task;

    /// <summary>Lets the held activity go on.</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>Called by the activity: says it got here, then waits for <see cref="Release"/>.</summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        _reached.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken);
    }
}
