using Dstack.Backends.Aws;
using Dstack.Backends.Local;
using Dstack.Backends.Ssh;
using Dstack.Core.Backends;
using Dstack.Core.Secrets;
using Dstack.Core.Settings;
using Dstack.Workflows;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Connection;
using Dstack.Workflows.Queue;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Extensions.Hosting;

namespace Dstack.Composition;

/// <summary>The worker's composition root: storage, the configured backends, and the Temporal worker hosting the run workflow.</summary>
public static class DstackWorkerServices
{
    /// <summary>Registers everything a dstack worker needs for <paramref name="settings"/>.</summary>
    public static IServiceCollection AddDstackWorker(this IServiceCollection services, DstackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddDstackStorage(settings.Storage);
        services.AddDstackBackends(settings);
        services.AddSingleton(RunActivitiesOptions.Default with
        {
            SecretKeys = new SecretKeySource(settings.Home, Environment.GetEnvironmentVariable("DSTACK_SECRETS_KEY")),
            MountSyncInterval = MountSyncInterval() ?? RunActivitiesOptions.Default.MountSyncInterval,
        });
        services
            .AddHostedTemporalWorker(settings.Temporal.Address, settings.Temporal.Namespace, settings.Temporal.TaskQueue)
            .ConfigureOptions(options => options.ClientOptions = TemporalConnectOptions.Create(settings.Temporal))
            .AddScopedActivities<RunActivities>()
            .AddScopedActivities<CloudActivities>()
            .AddStaticActivities(typeof(CapacityQueueActivities))
            .AddWorkflow<RunWorkflow>()
            .AddWorkflow<CapacityQueueWorkflow>();
        return services;
    }

    /// <summary>
    /// Registers one <see cref="IBackend"/> per configured backend type (<c>backends:</c> in the user config;
    /// this machine when it lists none), and the <see cref="BackendRegistry"/> that finds them by name.
    /// </summary>
    public static IServiceCollection AddDstackBackends(this IServiceCollection services, DstackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Backends.OfType<LocalBackendSettings>().Any())
        {
            services.AddLocalBackend(new LocalBackendOptions(settings.Home));
        }

        // Several ssh entries are one backend named "ssh" with all their hosts, and the longest grace period of any.
        var ssh = settings.Backends.OfType<SshBackendSettings>().ToList();
        if (ssh.Count > 0)
        {
            services.AddSshBackend(new SshBackendSettings([.. ssh.SelectMany(b => b.Hosts)], ssh.Max(b => b.GracePeriod)), settings.Home);
        }

        if (settings.Aws is { } aws)
        {
            services.AddAwsBackend(aws, settings.Home);
        }

        services.AddSingleton(provider => new BackendRegistry(provider.GetServices<IBackend>()));
        return services;
    }

    /// <summary>
    /// <c>DSTACK_MOUNT_SYNC_INTERVAL</c> (seconds): how often running jobs sync their <c>mount: true</c> artifacts; null
    /// when unset.
    /// </summary>
    /// <exception cref="InvalidOperationException">The value is not a positive number of seconds.</exception>
    private static TimeSpan? MountSyncInterval()
    {
        var value = Environment.GetEnvironmentVariable("DSTACK_MOUNT_SYNC_INTERVAL");
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new InvalidOperationException($"DSTACK_MOUNT_SYNC_INTERVAL is '{value}': expected a positive number of seconds (e.g. 3); unset it for the default.");
    }
}
