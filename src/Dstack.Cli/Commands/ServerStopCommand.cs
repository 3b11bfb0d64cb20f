using System.CommandLine;
using Dstack.Cli.Temporal;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary>
/// <c>dstack server stop</c>: stops this dstack folder's server by its recorded process, gracefully, and no other
/// (another user's server on the same machine is not ours to stop).
/// </summary>
internal sealed class ServerStopCommand : DstackCommand
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly CliContext _context;

    public ServerStopCommand(IAnsiConsole console, CliContext context)
        : base("stop", "Stop the dstack server of this dstack folder (runs in flight resume when it starts again).", console)
    {
        _context = context;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var home = _context.LoadSettings().Home;
        if (LocalServerRecord.Read(home) is not { } record || !LocalServerProcess.IsRunning(record))
        {
            Console.MarkupLineInterpolated($"No dstack server runs for {home}; nothing to stop.");
            return ExitCodes.Ok;
        }

        if (!await LocalServerProcess.StopAsync(record, Grace, cancellationToken))
        {
            throw new CommandException($"dstack server (pid {record.ProcessId}) is still running {Grace.TotalSeconds:0} s after SIGTERM; `kill -9 {record.ProcessId}` ends it (its runs resume when it starts again).");
        }

        Console.MarkupLineInterpolated($"Stopped dstack server (pid {record.ProcessId}, {record.Address}).");
        return ExitCodes.Ok;
    }
}
