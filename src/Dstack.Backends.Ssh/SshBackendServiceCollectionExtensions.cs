using Dstack.Core.Backends;
using Dstack.Core.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace Dstack.Backends.Ssh;

/// <summary>Registers the ssh backend in a service collection.</summary>
public static class SshBackendServiceCollectionExtensions
{
    /// <summary>Adds the ssh backend for <paramref name="settings"/> as an <see cref="IBackend"/> (next to any other backends).</summary>
    /// <param name="services">The services.</param>
    /// <param name="settings">The hosts, from the user config.</param>
    /// <param name="dstackHome">The dstack folder: host keys are pinned in its <c>known_hosts</c>.</param>
    /// <param name="configure">Changes the defaults (timeouts), e.g. in tests.</param>
    public static IServiceCollection AddSshBackend(
        this IServiceCollection services, SshBackendSettings settings, string dstackHome, Func<SshBackendOptions, SshBackendOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(dstackHome);
        var options = new SshBackendOptions(dstackHome, settings.Hosts) { UnreachableGracePeriod = settings.GracePeriod };
        options = configure?.Invoke(options) ?? options;
        services.AddSingleton<IBackend>(_ => new SshBackend(options, new SshConnectionPool(options, new KnownHosts(options.KnownHostsFile))));
        return services;
    }
}
