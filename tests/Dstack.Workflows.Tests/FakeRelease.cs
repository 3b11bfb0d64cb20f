using Dstack.Core.Backends;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Contracts;
using Temporalio.Activities;

namespace Dstack.Workflows.Tests;

/// <summary>The fakes' CleanUpAndRelease: the real order and retry rule (<see cref="MachineRelease"/>) over their own clean-up and release.</summary>
internal static class FakeRelease
{
    public static Task<ReleaseResult> RunAsync(ReleaseInput input, Action<JobInput> cleanUp, Action<Instance> release) => MachineRelease.RunAsync(
        input,
        ActivityExecutionContext.Current.Info.Attempt,
        () =>
        {
            cleanUp(input.Job);
            return Task.FromResult(false);
        },
        () =>
        {
            release(input.Job.Instance);
            return Task.CompletedTask;
        });
}
