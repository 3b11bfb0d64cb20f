using Dstack.Cli.DevEnvironments;
using Dstack.Cli.Temporal;
using Dstack.Composition;
using Dstack.Core.Backends;
using Dstack.Core.Code;
using Dstack.Core.Runs;
using Dstack.Core.Secrets;
using Dstack.Core.Settings;
using Dstack.Core.Storage;
using Dstack.Workflows.Connection;
using Spectre.Console;
using Temporalio.Client;

namespace Dstack.Cli;

/// <summary>
/// What commands need from outside the process: settings, storage, a Temporal client and the clock, each made only
/// when a command asks for it. <see cref="CreateDefault"/> builds them from the user config; tests pass their own.
/// </summary>
internal sealed record CliContext
{
    /// <summary>Gets a function that loads the user config (once; later calls return the same settings).</summary>
    public required Func<DstackSettings> LoadSettings { get; init; }

    /// <summary>Gets a function that opens the configured storage.</summary>
    public required Func<CancellationToken, Task<IStorage>> OpenStorageAsync { get; init; }

    /// <summary>
    /// Gets a function that connects to the configured Temporal server without starting one (the commands that read,
    /// signal or remove runs have nothing to ask a freshly started, empty server). When nothing answers it returns no
    /// client and a message saying where it looked and what to do.
    /// </summary>
    public required Func<CancellationToken, Task<(ITemporalClient? Client, string? Unavailable)>> TryConnectTemporalAsync { get; init; }

    /// <summary>
    /// Gets a function that connects to the configured Temporal server and, when nothing answers at a local address,
    /// starts <c>dstack server</c> in the background as <c>dstack run</c> does; it returns no client and a message saying
    /// what to do when that is not possible (a remote server that does not answer).
    /// <value>The default value starts nothing; <see cref="CreateDefault"/> starts the local server.</value>
    /// </summary>
    public Func<CancellationToken, Task<(ITemporalClient? Client, string? Unavailable)>> ConnectOrStartTemporalAsync { get; init; } =
        _ => Task.FromResult<(ITemporalClient?, string?)>((null, "no Temporal server is configured."));

    /// <summary>
    /// Gets a function that asks every configured backend for its offers for a request (<c>dstack offers</c>).
    /// <value>The default value finds none; <see cref="CreateDefault"/> builds the backends the worker would.</value>
    /// </summary>
    public Func<ResourceRequest, CancellationToken, Task<IReadOnlyList<BackendOffers>>> FindOffersAsync { get; init; } =
        (_, _) => Task.FromResult<IReadOnlyList<BackendOffers>>([]);

    /// <summary>
    /// Gets a function that gives where the secrets key comes from.
    /// <value>The default value is null: the key file in the configured dstack folder, without <c>DSTACK_SECRETS_KEY</c>.</value>
    /// </summary>
    public Func<SecretKeySource>? SecretKeys { get; init; }

    /// <summary>Gets where the secrets key comes from.</summary>
    public SecretKeySource GetSecretKeys() => SecretKeys?.Invoke() ?? new SecretKeySource(LoadSettings().Home, null);

    /// <summary>
    /// Gets a function that builds the configured backends, to reach a run's machine (dev environments, <c>ports</c>).
    /// <value>The default value has no backends; <see cref="CreateDefault"/> builds the backends the worker would.</value>
    /// </summary>
    public Func<InstanceAccess> OpenInstanceAccess { get; init; } = () => new InstanceAccess(new BackendRegistry([]), null);

    /// <summary>
    /// Gets a function that lists the live machines carrying dstack's tags in every configured cloud backend.
    /// <value>The default value finds none; <see cref="CreateDefault"/> asks the backends the worker would build.</value>
    /// </summary>
    public Func<CancellationToken, Task<IReadOnlyList<TaggedMachine>>> ListCloudMachinesAsync { get; init; } =
        _ => Task.FromResult<IReadOnlyList<TaggedMachine>>([]);

    /// <summary>
    /// Gets a function that refreshes the configured cloud backends' on-demand prices from the clouds' public price lists.
    /// <value>The default value refreshes nothing; <see cref="CreateDefault"/> refreshes the aws backend's prices from AWS's
    /// price list, or from <c>DSTACK_AWS_PRICE_LIST_URL</c> when set.</value>
    /// </summary>
    public Func<CancellationToken, Task<IReadOnlyList<PriceRefresh>>> RefreshPricesAsync { get; init; } =
        _ => Task.FromResult<IReadOnlyList<PriceRefresh>>([]);

    /// <summary>Gets a function that terminates one machine found by <see cref="ListCloudMachinesAsync"/>.</summary>
    public Func<TaggedMachine, CancellationToken, Task> TerminateCloudMachineAsync { get; init; } = (_, _) => Task.CompletedTask;

    /// <summary>
    /// Gets a function that reads the repository id a run started from a folder records (the current folder when
    /// null), by which <c>dstack ps</c> shows the current repository's runs.
    /// <value>The default value asks the real <c>git</c>, as <c>dstack run</c> does.</value>
    /// </summary>
    public Func<string?, CancellationToken, Task<string>> ReadRepoIdAsync { get; init; } =
        (folder, cancellationToken) => new CodeSnapshotter().ReadRepoIdAsync(folder ?? Directory.GetCurrentDirectory(), cancellationToken);

    /// <summary>Gets the clock.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Gets where the steps of a short command are timed (<c>DSTACK_TIMING=1</c>).</summary>
    /// <value>The default value prints nothing; the process's comes from <see cref="Timing.FromEnvironment"/>.</value>
    public Timing Timing { get; init; } = Timing.Off;

    /// <summary>Connects to Temporal for a command that cannot do without it.</summary>
    /// <exception cref="CommandException">Nothing answers at the configured address.</exception>
    public async Task<ITemporalClient> ConnectTemporalAsync(CancellationToken cancellationToken)
    {
        var (client, unavailable) = await TryConnectTemporalAsync(cancellationToken);
        return client ?? throw new CommandException(unavailable ?? "Temporal is not available.");
    }

    /// <summary>Builds the context of a real command line: the user config, the configured storage and Temporal.</summary>
    /// <param name="console">Where the Temporal connector reports.</param>
    /// <param name="getVariable">
    /// Reads environment variables (<c>DSTACK_HOME</c>, <c>DSTACK_*</c> overrides, and the <c>TEMPORAL_*</c> ones and
    /// <c>HOME</c> that find the Temporal profile under them); the process's by default.
    /// </param>
    public static CliContext CreateDefault(IAnsiConsole console, Func<string, string?>? getVariable = null)
    {
        var settings = new Lazy<DstackSettings>(() => new SettingsLoader(getVariable ?? Environment.GetEnvironmentVariable, new TemporalEnvConfigSource()).Load());
        return new CliContext
        {
            LoadSettings = () => settings.Value,
            OpenStorageAsync = _ => Task.FromResult(OpenStorage(settings.Value)),
            TryConnectTemporalAsync = cancellationToken => TryConnectAsync(console, settings.Value, startServerIfDown: false, cancellationToken),
            ConnectOrStartTemporalAsync = cancellationToken => TryConnectAsync(console, settings.Value, startServerIfDown: true, cancellationToken),
            FindOffersAsync = (request, cancellationToken) => ListOffersAsync(settings.Value, request, cancellationToken),
            SecretKeys = () => new SecretKeySource(settings.Value.Home, (getVariable ?? Environment.GetEnvironmentVariable)("DSTACK_SECRETS_KEY")),
            OpenInstanceAccess = () => InstanceAccess.Create(settings.Value),
            ListCloudMachinesAsync = cancellationToken => ListMachinesAsync(settings.Value, cancellationToken),
            TerminateCloudMachineAsync = (machine, cancellationToken) => TerminateAsync(settings.Value, machine, cancellationToken),
            RefreshPricesAsync = cancellationToken => DstackPrices.RefreshAsync(
                settings.Value, AwsPriceList((getVariable ?? Environment.GetEnvironmentVariable)("DSTACK_AWS_PRICE_LIST_URL")), TimeProvider.System, cancellationToken),
        };
    }

    private static Uri? AwsPriceList(string? url) =>
        url is not { Length: > 0 } ? null
        : Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
        : throw new CommandException($"DSTACK_AWS_PRICE_LIST_URL is '{url}': expected an http(s) address such as https://pricing.us-east-1.amazonaws.com (unset it to use AWS's).", ExitCodes.ConfigOrUsage);

    private static async Task<IReadOnlyList<TaggedMachine>> ListMachinesAsync(DstackSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Aws is null)
        {
            return [];
        }

        await using var access = InstanceAccess.Create(settings);
        var all = await Task.WhenAll(access.Backends.Clouds.Select(c => c.ListMachinesAsync(cancellationToken)));
        return [.. all.SelectMany(m => m)];
    }

    private static async Task TerminateAsync(DstackSettings settings, TaggedMachine machine, CancellationToken cancellationToken)
    {
        await using var access = InstanceAccess.Create(settings);
        var cloud = access.Backends.FindCloud(machine.Backend)
            ?? throw new CommandException($"The {machine.Backend} backend is not configured; cannot terminate {machine.InstanceId}.");
        await cloud.TerminateAsync(machine, cancellationToken);
    }

    /// <summary>Builds the configured backends as the worker's composition root does, and asks each for its offers.</summary>
    private static async Task<IReadOnlyList<BackendOffers>> ListOffersAsync(DstackSettings settings, ResourceRequest request, CancellationToken cancellationToken)
    {
        await using var access = InstanceAccess.Create(settings);
        var offers = new List<BackendOffers>();
        foreach (var backend in access.Backends.All)
        {
            offers.Add(new BackendOffers(backend.Name, await backend.GetOffersAsync(request, cancellationToken)));
        }

        return offers;
    }

    private static IStorage OpenStorage(DstackSettings settings) => DstackStorageServices.CreateStorage(settings.Storage);

    private static async Task<(ITemporalClient? Client, string? Unavailable)> TryConnectAsync(
        IAnsiConsole console, DstackSettings settings, bool startServerIfDown, CancellationToken cancellationToken)
    {
        try
        {
            return (await new TemporalConnector(console, TimeProvider.System).ConnectAsync(settings, startServerIfDown, cancellationToken), null);
        }
        catch (TemporalUnavailableException e)
        {
            return (null, e.Message);
        }
    }
}
