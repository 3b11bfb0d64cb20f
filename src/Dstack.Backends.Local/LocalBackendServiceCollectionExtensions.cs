using Dstack.Core.Backends;
using Microsoft.Extensions.DependencyInjection;

namespace Dstack.Backends.Local;

/// <summary>Registers the local backend in a service collection.</summary>
public static class LocalBackendServiceCollectionExtensions
{
    /// <summary>Adds <see cref="LocalBackend"/> as an <see cref="IBackend"/> (next to any other backends) for <paramref name="options"/>.</summary>
    public static IServiceCollection AddLocalBackend(this IServiceCollection services, LocalBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(new MachineDetector());
        services.AddSingleton<IBackend, LocalBackend>();
        return services;
    }
}
