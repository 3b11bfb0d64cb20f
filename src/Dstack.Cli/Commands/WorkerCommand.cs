using System.CommandLine;
using Dstack.Core.Settings;
using Dstack.Worker;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack worker</c>: a worker that executes runs from the configured Temporal server, in the foreground.</summary>
internal sealed class WorkerCommand : DstackCommand
{
    private readonly CliContext _context;

    public WorkerCommand(IAnsiConsole console, CliContext context)
        : base("worker", "Run a worker for the configured Temporal server in the foreground (Ctrl+C stops it).", console)
    {
        _context = context;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var settings = _context.LoadSettings();
        using var worker = DstackWorkerHost.Build(settings);
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
