using Dstack.Backends.Local;
using Dstack.Core.Settings;
using Dstack.Core.Storage;
using Dstack.Workflows;
using Dstack.Workflows.Activities;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Extensions.Hosting;

namespace Dstack.Worker;

/// <summary>The worker's composition root: storage, the configured backends, and the Temporal worker hosting the run workflow.</summary>
public static class DstackWorkerServices
{
    /// <summary>Registers everything a dstack worker needs for <paramref name="settings"/>.</summary>
    public static IServiceCollection AddDstackWorker(this IServiceCollection services, DstackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton<IStorage>(new LocalStorage(settings.Storage.Path));
        services.AddLocalBackend(new LocalBackendOptions(settings.Home));
        services
            .AddHostedTemporalWorker(settings.Temporal.Address, settings.Temporal.Namespace, settings.Temporal.TaskQueue)
            .AddScopedActivities<RunActivities>()
            .AddWorkflow<RunWorkflow>();
        return services;
    }
}
