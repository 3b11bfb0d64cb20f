using Dstack.Composition;
using Dstack.Core.Backends;
using Dstack.Core.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace Dstack.Cli.DevEnvironments;

/// <summary>
/// The configured backends, built here as the worker's composition root builds them, so that the CLI can reach a run's
/// machine (read what the job serves, forward its ports). Disposing closes their connections (and so the forwards).
/// </summary>
internal sealed class InstanceAccess(BackendRegistry backends, IAsyncDisposable? owner) : IAsyncDisposable
{
    /// <summary>Gets the backends.</summary>
    public BackendRegistry Backends { get; } = backends;

    /// <summary>Builds the backends of <paramref name="settings"/>.</summary>
    public static InstanceAccess Create(DstackSettings settings)
    {
        var provider = new ServiceCollection().AddDstackBackends(settings).BuildServiceProvider();
        return new InstanceAccess(provider.GetRequiredService<BackendRegistry>(), provider);
    }

    /// <summary>Gets the backend of <paramref name="instance"/>.</summary>
    /// <exception cref="CommandException">This machine's config has no such backend.</exception>
    public IBackend Backend(Instance instance) =>
        Backends.Find(instance.Backend)
        ?? throw new CommandException(
            $"the run's machine belongs to the '{instance.Backend}' backend, which is not configured here; add it to your config.yml to reach the machine.");

    /// <inheritdoc />
    public ValueTask DisposeAsync() => owner?.DisposeAsync() ?? ValueTask.CompletedTask;
}
