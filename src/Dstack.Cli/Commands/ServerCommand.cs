using System.CommandLine;
using Dstack.Cli.Temporal;
using Dstack.Composition;
using Dstack.Core.Settings;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.Persistence;
using Dstack.TemporalServer.WebUi;
using Dstack.Workflows;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary>
/// <c>dstack server</c>: the embedded Temporal server and a worker in this process, in the foreground. The server's
/// state is in $DSTACK_HOME/temporal.db unless <c>--in-memory</c>, so a crash or an upgrade loses no run.
/// </summary>
internal sealed class ServerCommand : DstackCommand
{
    private static readonly Option<int?> PortOption = new("--port") { Description = "Port to listen on (default: the port of temporal.address, 7233)." };

    private static readonly Option<int?> UiPortOption = new("--ui-port") { Description = "Port of the Temporal Web UI (default: the server's port + 1000, 8233, as `temporal server start-dev`)." };

    private static readonly Option<bool> HeadlessOption = new("--headless") { Description = "Run without the Temporal Web UI." };

    private static readonly Option<bool> InMemoryOption = new("--in-memory") { Description = "Keep the Temporal server's state in memory only; by default it is kept in temporal.db in the dstack folder, so runs survive a restart." };

    private readonly CliContext _context;

    public ServerCommand(IAnsiConsole console, CliContext context)
        : base("server", "Run the embedded Temporal server and a worker in the foreground (Ctrl+C stops both). Temporal Cloud, mTLS, API keys: see \"Temporal connection settings\" in dstack's README.", console)
    {
        Options.Add(PortOption);
        Options.Add(InMemoryOption);
        Options.Add(UiPortOption);
        Options.Add(HeadlessOption);
        Subcommands.Add(new ServerStatusCommand(console, context));
        Subcommands.Add(new ServerStopCommand(console, context));
        _context = context;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var settings = _context.LoadSettings();
        var address = settings.Temporal.Address;
        var colon = address.LastIndexOf(':');
        var ip = address[..colon] is "localhost" ? "127.0.0.1" : address[..colon];
        var port = parseResult.GetValue(PortOption) ?? int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var database = parseResult.GetValue(InMemoryOption) ? null : Path.Combine(settings.Home, "temporal.db");
        if (LocalServerRecord.Read(settings.Home) is { } running && LocalServerProcess.IsRunning(running))
        {
            throw new CommandException($"a dstack server already runs for {settings.Home} (pid {running.ProcessId}, at {running.Address}{(running.UiUrl is null ? string.Empty : $", Web UI at {running.UiUrl}")}). Use it as it is, or stop it with `dstack server stop`.");
        }

        // The default port is every user's on this machine: when it is taken (another user's server), this folder's server
        // serves at a port of its own, which server.json records for this folder's commands.
        string? moved = null;
        if (parseResult.GetValue(PortOption) is null && settings.Temporal.AddressIsDefault && !LocalServerAddress.IsFree(ip, port))
        {
            moved = $"{address} is taken (by another user's dstack server?), so this one serves at a port of its own; this dstack folder's commands find it in {Path.Combine(settings.Home, LocalServerRecord.FileName)}.";
            port = LocalServerAddress.FindSparePort(ip);
        }

        // The server admits only calls with this folder's key (docs/architecture.md#the-server-admits-its-owner-alone): on a
        // machine with other users, whoever reached it could start workflows that its worker runs as this user.
        var key = ServerKey.LoadOrCreate(settings.Home);
        var uiPort = UiPort(parseResult, ip, port);
        EmbeddedTemporalServer server;
        try
        {
            server = await EmbeddedTemporalServer.StartAsync(ip, port, options => Configure(options, settings, database, uiPort, key), cancellationToken: cancellationToken);
        }
        catch (ServerStoreException e)
        {
            throw new CommandException(e.Message + " (dstack server --in-memory runs without it.)");
        }

        await using var serverScope = server;
        var uiUrl = server.UiAddress is { } ui ? UiUrl(ui) : null;
        var record = new LocalServerRecord(Environment.ProcessId, server.Address, uiUrl);
        record.Write(settings.Home);
        try
        {
            var login = server.CreateUiLoginUrl() is { } link ? UiUrl(link) : null;
            return await ServeAsync(server, settings with { Temporal = OwnServer.WithKey(settings.Temporal, server.Address, key) }, database, UiLine(parseResult, uiPort, login), moved, cancellationToken);
        }
        finally
        {
            LocalServerRecord.Remove(settings.Home, Environment.ProcessId);
        }
    }

    /// <param name="settings">The settings, their Temporal part connecting to <paramref name="server"/> with its key, as its worker does.</param>
    private async Task<int> ServeAsync(EmbeddedTemporalServer server, DstackSettings settings, string? database, string uiLine, string? moved, CancellationToken cancellationToken)
    {
        var worker = DstackWorkerHost.Build(settings);
        using (worker)
        {
            await worker.StartAsync(cancellationToken);
            var state = database is null ? "in memory" : $"state in {database}";
            Console.MarkupLineInterpolated($"dstack server is running at [bold]{server.Address}[/]: embedded Temporal server ({state}) and a worker on task queue '{settings.Temporal.TaskQueue}'. Ctrl+C (or `dstack server stop`) stops it.");
            WholeLine.Write(Console, uiLine);
            if (moved is not null)
            {
                Console.MarkupLineInterpolated($"[grey]{moved}[/]");
            }
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            await worker.StopAsync(CancellationToken.None);
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The UI's port: --ui-port, or the server's port + 1000 as the Temporal CLI does; null with --headless, or when the
    /// default port is taken (the runs matter more than their pages, so the server starts without the UI and says so).
    /// </summary>
    private static int? UiPort(ParseResult parseResult, string ip, int port)
    {
        if (parseResult.GetValue(HeadlessOption))
        {
            return null;
        }

        if (parseResult.GetValue(UiPortOption) is { } chosen)
        {
            return chosen;
        }

        var standard = Math.Min(port + 1000, 65535);
        return LocalServerAddress.IsFree(ip, standard) ? standard : null;
    }

    /// <summary>The UI's address as a user types it: localhost for a loopback address, as the Temporal CLI prints it.</summary>
    private static string UiUrl(Uri address) =>
        (System.Net.IPAddress.TryParse(address.Host, out var ip) && System.Net.IPAddress.IsLoopback(ip)
            ? new UriBuilder(address) { Host = "localhost" }.Uri
            : address).ToString().TrimEnd('/');

    /// <summary>The line that says where the UI is: its one-time login link, since the UI admits only the owner's browser.</summary>
    private static string UiLine(ParseResult parseResult, int? uiPort, string? login) => (uiPort, login) switch
    {
        (_, { } url) => $"Temporal Web UI: {url} (opens once, within {UiLoginToken.Lifetime.TotalMinutes:0} minutes; `dstack server status` prints a new link)",
        _ when parseResult.GetValue(HeadlessOption) => "No Temporal Web UI (--headless).",
        (null, _) => "No Temporal Web UI: its port (the server's + 1000) is taken; choose another with --ui-port.",
        _ => TemporalWebUiExtensions.DstackTemporalWebUiMissingHint,
    };

    private static void Configure(TemporalServerOptions options, DstackSettings settings, string? database, int? uiPort, string key)
    {
        options.DatabasePath = database;
        options.UiPort = uiPort;
        options.ApiKey = key;
        options.UiLoginHint = "`dstack server status` prints a new link; `dstack run` and `dstack ps RUN` print links to a run's page.";

        // Whose server this is, where clients can read it (and real Temporal keeps such data too). Only holders of the key
        // get that far; among them, a CLI whose storage is not this server's (the config changed since the server started,
        // or another folder was given the key) refuses it instead of sending runs to this folder's worker and storage.
        ServerOwner.Of(settings).Write(options.NamespaceData);
        if (settings.Temporal.Namespace != "default")
        {
            options.Namespaces.Add(settings.Temporal.Namespace);
        }

        foreach (var attribute in DstackSearchAttributes.All)
        {
            options.SearchAttributes[attribute.Name] = attribute.ValueType;
        }
    }
}
