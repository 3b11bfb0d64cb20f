using System.CommandLine;
using System.Text;
using Dstack.Cli.Runs;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack logs</c>: prints a run's output as stored, and follows it while the run goes on.</summary>
internal sealed class LogsCommand : DstackCommand
{
    /// <summary>How often <c>--follow</c> looks for new output: often enough to feel live, cheap on a local folder.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long <c>--follow</c> waits without new output before it checks that a server is there to write any.</summary>
    internal static readonly TimeSpan QuietBeforeServerCheck = TimeSpan.FromSeconds(5);

    private static readonly Argument<string> RunArgument = new("RUN") { Description = "The run whose output to print." };

    private static readonly Option<string?> SinceOption = new("--since", "-s")
    {
        Description = "Only output written in the last period (30s, 5m, 2h, 1d, 1w) or since a time (2026-11-27T10:00:00Z).",
    };

    private static readonly Option<bool> FollowOption = new("--follow", "-f")
    {
        Description = "Keep printing new output until the run finishes.",
    };

    private readonly CliContext _context;

    public LogsCommand(IAnsiConsole console, CliContext context)
        : base("logs", "Print the output of a run (raw, as the job wrote it).", console)
    {
        _context = context;
        Arguments.Add(RunArgument);
        Options.Add(FollowOption);
        Options.Add(SinceOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var run = parseResult.GetValue(RunArgument)!; // a required argument
        var follow = parseResult.GetValue(FollowOption);
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var manifests = new ManifestStore(storage);
        var logs = new LogStore(storage);
        const string job = StorageLayout.MainJob;

        var manifest = await manifests.ReadAsync(run, cancellationToken);
        if (manifest is null && (await storage.ListAsync(StorageLayout.LogPrefix(run, job), cancellationToken)).Count == 0)
        {
            throw new CommandException($"run {run} not found in {storage.Location}.");
        }

        var writer = new LogWriter(Console.Profile.Out.Writer);
        long offset = parseResult.GetValue(SinceOption) is { } since
            ? await logs.FindOffsetSinceAsync(run, job, ParseSince(since), cancellationToken)
            : 0;
        var quietSince = _context.Time.GetUtcNow();
        var serverChecked = false;
        while (true)
        {
            // Checked before reading: once the run is finished, the read that follows gets the whole rest of the log.
            var last = !follow || manifest is null || manifest.Status.IsFinished();
            (var data, offset) = await logs.ReadAsync(run, job, offset, cancellationToken);
            await writer.WriteAsync(data, flush: last);
            if (last)
            {
                return ExitCodes.Ok;
            }

            if (data.Length > 0)
            {
                quietSince = _context.Time.GetUtcNow();
            }
            else if (!serverChecked && _context.Time.GetUtcNow() - quietSince > QuietBeforeServerCheck)
            {
                // A quiet log may be a quiet job, or no server (and so no worker) to write the log at all.
                serverChecked = true;
                await CheckServerAsync(run, cancellationToken);
            }

            await Task.Delay(PollInterval, _context.Time, cancellationToken);
            manifest = await manifests.ReadAsync(run, cancellationToken);
        }
    }

    /// <summary>
    /// Says when no Temporal server answers, so that the user knows why the log stands still, and starts the local one as
    /// <c>dstack run</c> does (its worker then re-attaches to the job and the log goes on).
    /// </summary>
    private async Task CheckServerAsync(string run, CancellationToken cancellationToken)
    {
        if ((await _context.TryConnectTemporalAsync(cancellationToken)).Client is not null)
        {
            return;
        }

        Console.MarkupLineInterpolated($"[yellow]No Temporal server answers, so nothing writes the log of {run} (its job goes on).[/]");
        var (client, unavailable) = await _context.ConnectOrStartTemporalAsync(cancellationToken);
        if (client is null)
        {
            Console.MarkupLineInterpolated($"[yellow]{unavailable} The log is followed as soon as it grows.[/]");
        }
    }

    private DateTimeOffset ParseSince(string text)
    {
        if (Dstack.Core.Configuration.DurationText.TryParse(text, out var period))
        {
            // A period longer than the calendar goes back to its start: everything.
            var now = _context.Time.GetUtcNow();
            return period < now - DateTimeOffset.MinValue ? now - period : DateTimeOffset.MinValue;
        }

        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CommandException($"--since {text}: expected a period like 30s, 5m, 2h, 1d or 1w, or a time like 2026-11-27T10:00:00Z.", ExitCodes.ConfigOrUsage);
    }
}
