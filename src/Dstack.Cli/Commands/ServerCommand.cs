using System.CommandLine;
using Dstack.Cli.Temporal;
using Dstack.Core.Settings;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.Persistence;
using Dstack.Worker;
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

    private static readonly Option<bool> InMemoryOption = new("--in-memory") { Description = "Keep the Temporal server's state in memory only; by default it is kept in temporal.db in the dstack folder, so runs survive a restart." };

    private readonly CliContext _context;

    public ServerCommand(IAnsiConsole console, CliContext context)
        : base("server", "Run the embedded Temporal server and a worker in the foreground (Ctrl+C stops both).", console)
    {
        Options.Add(PortOption);
        Options.Add(InMemoryOption);
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

        EmbeddedTemporalServer server;
        try
        {
            server = await EmbeddedTemporalServer.StartAsync(ip, port, options => Configure(options, settings, database), cancellationToken: cancellationToken);
        }
        catch (ServerStoreException e)
        {
            throw new CommandException(e.Message + " (dstack server --in-memory runs without it.)");
        }

        await using var serverScope = server;
        var record = new LocalServerRecord(Environment.ProcessId, server.Address, null);
        record.Write(settings.Home);
        try
        {
            return await ServeAsync(server, settings, database, cancellationToken);
        }
        finally
        {
            LocalServerRecord.Remove(settings.Home, Environment.ProcessId);
        }
    }

    private async Task<int> ServeAsync(EmbeddedTemporalServer server, DstackSettings settings, string? database, CancellationToken cancellationToken)
    {
        var worker = DstackWorkerHost.Build(settings with { Temporal = settings.Temporal with { Address = server.Address } });
        using (worker)
        {
            await worker.StartAsync(cancellationToken);
            var state = database is null ? "in memory" : $"state in {database}";
            Console.MarkupLineInterpolated($"dstack server is running at [bold]{server.Address}[/]: embedded Temporal server ({state}) and a worker on task queue '{settings.Temporal.TaskQueue}'. Ctrl+C stops it.");
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

    private static void Configure(TemporalServerOptions options, DstackSettings settings, string? database)
    {
        options.DatabasePath = database;
        if (settings.Temporal.Namespace != "default")
        {
            options.Namespaces.Add(settings.Temporal.Namespace);
        }

        foreach (var key in DstackSearchAttributes.All)
        {
            options.SearchAttributes[key.Name] = key.ValueType;
        }
    }
}
