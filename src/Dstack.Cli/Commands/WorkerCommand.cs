using System.CommandLine;
using Dstack.Cli.Temporal;
using Dstack.Composition;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack worker</c>: a worker that executes runs from the configured Temporal server, in the foreground.</summary>
internal sealed class WorkerCommand : DstackCommand
{
    private readonly CliContext _context;

    public WorkerCommand(IAnsiConsole console, CliContext context)
        : base("worker", "Run a worker for the configured Temporal server in the foreground (Ctrl+C stops it). Temporal Cloud, mTLS, API keys: see \"Temporal connection settings\" in dstack's README.", console)
    {
        _context = context;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        // Without a configured address, this folder's own server; and never another user's server, whose runs this worker
        // would take and run with this folder's storage and secrets.
        var settings = LocalServerAddress.Apply(_context.LoadSettings());
        try
        {
            await new TemporalConnector(Console, _context.Time).ConnectAsync(settings with { Temporal = settings.Temporal with { AddressIsDefault = false } }, startServerIfDown: false, cancellationToken);
        }
        catch (TemporalUnavailableException)
        {
            // Nothing answers yet: the worker connects as it always did, and says so when it cannot.
        }

        // This folder's own server admits it only with the folder's server key, which no other server may get.
        using var worker = DstackWorkerHost.Build(settings with { Temporal = OwnServer.ConnectSettings(settings, settings.Temporal.Address) });
        await worker.StartAsync(cancellationToken);
        Console.MarkupLineInterpolated($"dstack worker is polling task queue '{settings.Temporal.TaskQueue}' at {settings.Temporal.Address}. Ctrl+C stops it.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await worker.StopAsync(CancellationToken.None);
        return ExitCodes.Ok;
    }
}
