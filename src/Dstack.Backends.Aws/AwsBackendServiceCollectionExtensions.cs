using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Dstack.Backends.Aws.Catalog;
using Dstack.Backends.Ssh;
using Dstack.Core.Backends;
using Dstack.Core.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace Dstack.Backends.Aws;

/// <summary>Registers the aws backend in a service collection.</summary>
public static class AwsBackendServiceCollectionExtensions
{
    /// <summary>Adds the aws backend for <paramref name="settings"/> as an <see cref="IBackend"/> (next to any other backends).</summary>
    /// <param name="services">The services.</param>
    /// <param name="settings">The regions, profile and endpoint, from the user config.</param>
    /// <param name="dstackHome">The dstack folder.</param>
    /// <param name="configure">Changes the defaults, e.g. in tests.</param>
    public static IServiceCollection AddAwsBackend(
        this IServiceCollection services, AwsBackendSettings settings, string dstackHome, Func<AwsBackendOptions, AwsBackendOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        var options = Options(settings, dstackHome);
        options = configure?.Invoke(options) ?? options;
        services.AddSingleton<IBackend>(_ => Create(options));
        return services;
    }

    /// <summary>Builds the options of <paramref name="settings"/>: no region means the profile's (or the SDK's default) region.</summary>
    public static AwsBackendOptions Options(AwsBackendSettings settings, string dstackHome)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var regions = settings.Regions.Count > 0 ? settings.Regions : [FallbackRegion()];
        return new AwsBackendOptions(dstackHome, regions, Environment.UserName)
        {
            Profile = settings.Profile,
            Endpoint = settings.Endpoint is { } endpoint ? new Uri(endpoint) : null,
            SshUser = settings.SshUser ?? "ubuntu",
        };
    }

    internal static Ec2Backend Create(AwsBackendOptions options, TimeProvider? time = null)
    {
        var catalog = new Ec2CatalogSource(options.DstackHome);
        return new(options, () => catalog.Current, region => CreateClient(options, region), ShellFactory(options), time ?? TimeProvider.System);
    }

    /// <summary>
    /// The shells of the backend's instances: host keys pinned in their own file (EC2 reuses addresses), one connection
    /// try (the boot wait and the activities retry by themselves).
    /// </summary>
    internal static SshShellFactory ShellFactory(AwsBackendOptions options) =>
        new(new SshBackendOptions(Path.Combine(options.DstackHome, "aws"), []) { ConnectAttempts = 1 });

    internal static AmazonEC2Client CreateClient(AwsBackendOptions options, string region)
    {
        var config = new AmazonEC2Config();
        if (options.Profile is { } profile)
        {
            config.Profile = new Profile(profile);
        }

        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonEC2Client(config);
    }

    private static string FallbackRegion() =>
        Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
}
