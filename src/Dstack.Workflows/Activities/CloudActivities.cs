using Dstack.Core.Backends;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows.Contracts;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Dstack.Workflows.Activities;

/// <summary>
/// Activities for cloud backends (<see cref="ICloudBackend"/>): watching for interruptions, releasing what a cut-short
/// provisioning made, and listing and terminating dstack's machines.
/// </summary>
public sealed class CloudActivities(BackendRegistry backends, IStorage storage)
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);
    private static readonly Action<ILogger, string, string, Exception?> WatchFailed =
        LoggerMessage.Define<string, string>(LogLevel.Warning, new EventId(1, "WatchFailed"), "Could not check {Instance} for an interruption: {Reason}");

    /// <summary>
    /// Polls the cloud (API and the machine's metadata) until it announces an interruption of the machine, and returns
    /// the notice; heartbeats meanwhile. The workflow cancels it when the job ends first.
    /// </summary>
    [Activity]
    public async Task<InterruptionNotice> WatchInterruptionAsync(JobInput input)
    {
        var context = ActivityExecutionContext.Current;
        var cloud = Cloud(input.Instance.Backend);
        while (true)
        {
            try
            {
                if (await cloud.CheckInterruptionAsync(input.Instance, context.CancellationToken) is { } notice)
                {
                    return notice;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed look (throttling, a network blip) is not an interruption; the next one may succeed.
                WatchFailed(context.Logger, input.Instance.InstanceId, e.Message, null);
            }

            context.Heartbeat();
            await Task.Delay(WatchInterval, context.CancellationToken);
        }
    }

    /// <summary>Asks once whether the machine was interrupted (after a step failed on it).</summary>
    [Activity]
    public async Task<InterruptionNotice?> CheckInterruptionAsync(Instance instance) =>
        backends.FindCloud(instance.Backend) is { } cloud
            ? await cloud.CheckInterruptionAsync(instance, ActivityExecutionContext.Current.CancellationToken)
            : null;

    /// <summary>Releases whatever a provisioning with the token made (it was cut short, or its result was lost).</summary>
    [Activity]
    public async Task ReleaseByClientTokenAsync(ProvisionInput input)
    {
        if (backends.FindCloud(input.Offer.Backend) is { } cloud)
        {
            await cloud.ReleaseByClientTokenAsync(input.Offer, input.ClientToken, ActivityExecutionContext.Current.CancellationToken);
        }
    }

    /// <summary>Gets how many bytes of the run's main log are stored (where the next attempt's output goes).</summary>
    [Activity]
    public Task<long> LogEndAsync(string run) =>
        new LogStore(storage).EndOffsetAsync(run, StorageLayout.MainJob, ActivityExecutionContext.Current.CancellationToken);

    /// <summary>Lists the machines carrying dstack's tags in every cloud backend of this worker.</summary>
    [Activity]
    public async Task<IReadOnlyList<TaggedMachine>> ListMachinesAsync()
    {
        var all = await Task.WhenAll(backends.Clouds.Select(c => c.ListMachinesAsync(ActivityExecutionContext.Current.CancellationToken)));
        return [.. all.SelectMany(m => m)];
    }

    /// <summary>Terminates one tagged machine (a leaked one).</summary>
    [Activity]
    public Task TerminateMachineAsync(TaggedMachine machine) => Cloud(machine.Backend).TerminateAsync(machine, ActivityExecutionContext.Current.CancellationToken);

    private ICloudBackend Cloud(string name) =>
        backends.FindCloud(name)
        ?? throw new ApplicationFailureException($"backend '{name}' is not a cloud backend on this worker", errorType: FailureReason.Config, nonRetryable: true);
}
