using System.CommandLine;
using Dstack.Core.Settings;
using Dstack.TemporalServer.Hosting;
using Dstack.Worker;
using Dstack.Workflows;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack server</c>: the embedded Temporal server and a worker in this process, in the foreground.</summary>
internal sealed class ServerCommand : DstackCommand
{
    private static readonly Option<int?> PortOption = new("--port") { Description = "Port to listen on (default: the port of temporal.address, 7233)." };

    private readonly CliContext _context;

    public ServerCommand(IAnsiConsole console, CliContext context)
        : base("server", "Run the embedded Temporal server and a worker in the foreground (Ctrl+C stops both).", console)
    {
        Options.Add(PortOption);
        _context = context;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var settings = _context.LoadSettings();
        var address = settings.Temporal.Address;
        var colon = address.LastIndexOf(':');
        var ip = address[..colon] is "localhost" ? "127.0.0.1" : address[..colon];
        var port = parseResult.GetValue(PortOption) ?? int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        await using var server = await EmbeddedTemporalServer.StartAsync(ip, port, options =>
        {
            if (settings.Temporal.Namespace != "default")
            {
                options.Namespaces.Add(settings.Temporal.Namespace);
            }

            foreach (var key in DstackSearchAttributes.All)
            {
                options.SearchAttributes[key.Name] = key.ValueType;
            }
        }, cancellationToken: cancellationToken);

        var worker = DstackWorkerHost.Build(settings with { Temporal = settings.Temporal with { Address = server.Address } });
        using (worker)
        {
            await worker.StartAsync(cancellationToken);
            Console.MarkupLineInterpolated($"dstack server is running at [bold]{server.Address}[/]: embedded Temporal server (in memory) and a worker on task queue '{settings.Temporal.TaskQueue}'. Ctrl+C stops it.");
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
}
