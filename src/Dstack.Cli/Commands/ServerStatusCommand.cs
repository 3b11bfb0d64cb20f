using System.CommandLine;
using Dstack.Cli.Temporal;
using Dstack.TemporalServer.WebUi;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack server status</c>: whether this dstack folder's server runs, where, and its Web UI.</summary>
internal sealed class ServerStatusCommand : DstackCommand
{
    private readonly CliContext _context;

    public ServerStatusCommand(IAnsiConsole console, CliContext context)
        : base("status", "Say whether the dstack server of this dstack folder runs, where it serves and where its Web UI is.", console)
    {
        _context = context;
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var home = _context.LoadSettings().Home;
        if (LocalServerRecord.Read(home) is not { } record || !LocalServerProcess.IsRunning(record))
        {
            Console.MarkupLineInterpolated($"No dstack server runs for {home}. Start one with `dstack server` (or any `dstack run` starts it).");
            return Task.FromResult(ExitCodes.RunFailure);
        }

        // The UI admits only a browser that opened a login link; the key signs a fresh one here, without asking the server.
        var ui = record.UiUrl is { } url
            ? $"; Web UI at {UiLoginToken.CreateUrl(new Uri(url), ServerKey.Read(home), _context.Time.GetUtcNow())} (opens once, within {UiLoginToken.Lifetime.TotalMinutes:0} minutes)"
            : ", without a Web UI";
        Console.MarkupLineInterpolated($"dstack server is running (pid {record.ProcessId}) at [bold]{record.Address}[/]{ui}. Stop it with `dstack server stop`.");
        return Task.FromResult(ExitCodes.Ok);
    }
}
