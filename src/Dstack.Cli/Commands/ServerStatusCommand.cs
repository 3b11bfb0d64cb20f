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

        Console.MarkupLineInterpolated($"dstack server is running (pid {record.ProcessId}) at [bold]{record.Address}[/]{(record.UiUrl is null ? ", without a Web UI" : string.Empty)}. Stop it with `dstack server stop`.");
        if (record.UiUrl is { } url)
        {
            // The UI admits only a browser that opened a login link; the key signs a fresh one here, without asking the server.
            var login = UiLoginToken.CreateUrl(new Uri(url), ServerKey.Read(home), _context.Time.GetUtcNow());
            WholeLine.Write(Console, $"Web UI at {login.AbsoluteUri} (opens once, within {UiLoginToken.Lifetime.TotalMinutes:0} minutes)");
        }

        return Task.FromResult(ExitCodes.Ok);
    }
}
