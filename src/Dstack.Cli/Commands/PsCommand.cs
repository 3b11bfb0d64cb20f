using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dstack.Cli.Runs;
using Dstack.Cli.Temporal;
using Dstack.Core.Artifacts;
using Dstack.Core.Code;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack ps</c>: lists runs, or shows one in detail.</summary>
internal sealed class PsCommand : DstackCommand
{
    private static readonly Argument<string?> RunArgument = new("RUN")
    {
        Description = "Show this run in detail.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<bool> AllOption = new("--all", "-a")
    {
        Description = "Show all runs (default: the unfinished runs and the last finished one).",
    };

    private static readonly Option<bool> AllReposOption = new("--all-repos")
    {
        Description = "Show the runs of every repository (default: only those of the current one).",
    };

    private static readonly Option<DirectoryInfo> RepoOption = new("--repo")
    {
        Description = "Show the runs of the repository in this folder (default: the current directory).",
    };

    private static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print a JSON array of runs (camelCase fields) instead of a table.",
    };

    private static readonly Option<bool> TerminateLeakedOption = new("--terminate-leaked")
    {
        Description = "Terminate the cloud machines tagged by dstack that belong to no live run.",
    };

    private readonly CliContext _context;

    public PsCommand(IAnsiConsole console, CliContext context)
        : base("ps", "List runs: their status, backend and price. Works from storage alone when Temporal is down.", console)
    {
        _context = context;
        Arguments.Add(RunArgument);
        Options.Add(AllOption);
        Options.Add(AllReposOption);
        Options.Add(RepoOption);
        Options.Add(JsonOption);
        Options.Add(TerminateLeakedOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var name = parseResult.GetValue(RunArgument);
        var json = parseResult.GetValue(JsonOption);
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var (temporal, unavailable) = await _context.TryConnectTemporalAsync(cancellationToken);
        var catalog = new RunCatalog(storage, temporal);

        if (name is not null)
        {
            var found = await catalog.GetAsync(name, cancellationToken) ?? throw new CommandException($"run {name} not found in {storage.Location}.");
            var run = (await WithQueuePlacesAsync(temporal, [found], cancellationToken))[0];
            if (json)
            {
                WriteJson([run]);
                return ExitCodes.Ok;
            }

            var index = await new ArtifactStore(storage).ReadIndexAsync(name, StorageLayout.MainJob, cancellationToken);
            WriteDetails(run, index);
            WriteUnavailable(unavailable);
            return ExitCodes.Ok;
        }

        var all = await WithQueuePlacesAsync(temporal, await catalog.ListAsync(cancellationToken), cancellationToken);

        // Storage is shared by every repository (and, with S3, every user of the bucket): without a filter, `ps -a` in
        // one project listed another's runs. A run whose repository is not known yet is kept rather than hidden.
        var repo = parseResult.GetValue(AllReposOption) ? null : await ReadRepoIdAsync(parseResult.GetValue(RepoOption), cancellationToken);
        var mine = repo is null ? all : [.. all.Where(r => r.Repo is null || r.Repo == repo)];
        var runs = parseResult.GetValue(AllOption) ? mine : Recent(mine);

        if (json)
        {
            WriteJson(runs);
            return ExitCodes.Ok;
        }

        if (runs.Count == 0)
        {
            Console.MarkupLine("No runs yet. Start one with [bold]dstack run WORKFLOW[/].");
        }
        else
        {
            WriteTable(runs);
        }

        if (repo is not null && all.Count > mine.Count)
        {
            var others = all.Count - mine.Count;
            Console.MarkupLineInterpolated(
                $"[grey]{others} {(others == 1 ? "run" : "runs")} of other repositories not shown (this is {RepoNames.Short(repo)}); --all-repos lists every run.[/]");
        }

        WriteUnavailable(unavailable);
        await new LeakedMachines(_context, Console).ReportAsync(all, parseResult.GetValue(TerminateLeakedOption), cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>The runs, the pending ones with their place in the capacity queue (asked only when one is pending).</summary>
    private async Task<IReadOnlyList<RunView>> WithQueuePlacesAsync(Temporalio.Client.ITemporalClient? temporal, IReadOnlyList<RunView> runs, CancellationToken cancellationToken)
    {
        if (temporal is null || !runs.Any(r => r.Status == RunStatus.Pending && r.Live))
        {
            return runs;
        }

        var places = await CapacityQueueReader.ReadAsync(temporal, _context.LoadSettings().Temporal.TaskQueue, cancellationToken);
        return [.. runs.Select(r => r.Status == RunStatus.Pending && places.TryGetValue(r.Name, out var place) ? r with { Queue = place } : r)];
    }

    private async Task<string> ReadRepoIdAsync(DirectoryInfo? folder, CancellationToken cancellationToken)
    {
        try
        {
            return await _context.ReadRepoIdAsync(folder?.FullName, cancellationToken);
        }
        catch (CodeSnapshotException e)
        {
            throw new CommandException($"cannot tell which repository's runs to list: {e.Message} Pass --repo DIR, or --all-repos.", ExitCodes.ConfigOrUsage);
        }
    }

    /// <summary>The unfinished runs and the most recently finished one, as dstack has always shown by default.</summary>
    private static List<RunView> Recent(IReadOnlyList<RunView> runs)
    {
        var lastFinished = runs
            .Where(r => r.Status.IsFinished())
            .MaxBy(r => r.Manifest?.FinishedAt ?? r.SubmittedAt);
        return [.. runs.Where(r => !r.Status.IsFinished() || ReferenceEquals(r, lastFinished))];
    }

    private static string Price(decimal? pricePerHour) =>
        pricePerHour is { } price ? string.Create(CultureInfo.InvariantCulture, $"${price:0.####}/h") : "-";

    private static string Time(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is not { } t)
        {
            return "-";
        }

        var exact = t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var ago = TimeAgo.Format(t, now);
        return ago.Contains(' ', StringComparison.Ordinal) || ago == "now" ? $"{exact} ({ago})" : exact;
    }

    private void WriteUnavailable(string? unavailable)
    {
        if (unavailable is not null)
        {
            Console.MarkupLineInterpolated($"[grey]Statuses are from storage only: {unavailable}[/]");
        }
    }

    private void WriteJson(IEnumerable<RunView> runs)
    {
        var text = JsonSerializer.Serialize(runs.Select(RunJson.From).ToList(), RunJson.Options);

        // Raw text, not markup: the output is meant for other programs.
        Console.Profile.Out.Writer.WriteLine(text);
    }

    private void WriteTable(IEnumerable<RunView> runs)
    {
        var now = _context.Time.GetUtcNow();
        var table = new Table().AddColumns("RUN", "REPO", "WORKFLOW", "SUBMITTED", "STATUS", "BACKEND", "PRICE");
        foreach (var run in runs)
        {
            table.AddRow(
                new Text(run.Name),
                new Text(run.Repo is { } repo ? RepoNames.Short(repo) : "-"),
                new Text(run.Workflow ?? "-"),
                new Text(TimeAgo.Format(run.SubmittedAt, now)),
                new Text(run.StatusText, StatusStyle(run)),
                new Text(run.Backend ?? "-"),
                new Text(Price(run.Manifest?.PricePerHour)));
        }

        Console.Write(table);
    }

    private void WriteDetails(RunView run, ArtifactIndex? index)
    {
        var now = _context.Time.GetUtcNow();
        var m = run.Manifest;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string key, string? value) => grid.AddRow(new Text(key, new Style(decoration: Decoration.Bold)), new Text(value ?? "-"));

        Row("Run", run.Name);
        Row("Workflow", m is null ? run.Workflow : $"{m.Spec.WorkflowName} ({m.Spec.Provider.ToConfigName()})");
        grid.AddRow(new Text("Status", new Style(decoration: Decoration.Bold)), new Text(run.StatusText, StatusStyle(run)));
        if (m?.Reason is not null || m?.Message is not null)
        {
            Row("Reason", string.Join(": ", new[] { m.Reason, m.Message }.Where(s => s is not null)));
        }

        Row("Exit code", m?.ExitCode?.ToString(CultureInfo.InvariantCulture));
        Row("Backend", run.Backend);
        Row("Instance", m?.InstanceType is null ? null : m.Region is null ? m.InstanceType : $"{m.InstanceType} in {m.Region}");
        Row("Price", Price(m?.PricePerHour));
        if (m is { Attempts.Count: > 0 })
        {
            Row("Cost", AttemptsTable.Cost(m));
        }

        Row("Submitted", Time(run.SubmittedAt, now));
        Row("Started", Time(m?.StartedAt, now));
        Row("Finished", Time(m?.FinishedAt, now));
        if (m is not null)
        {
            var repo = m.Spec.Repo;
            var commit = repo.Commit is null ? "not pinned to a commit" : $"{repo.Branch ?? "(detached)"} @ {repo.Commit[..Math.Min(12, repo.Commit.Length)]}";
            Row("Code", $"{repo.RepoId}, {commit}{(repo.Dirty ? ", with local changes" : string.Empty)}");
            Row("User", m.Spec.User);
        }

        Row("Artifacts", Artifacts(m, index));
        if (run.Lost)
        {
            var why = run.EndedInTemporal is { } ended
                ? $"Its workflow was {ended} in Temporal while the run was {run.Status.ToDisplayName()}"
                : "Temporal has no open workflow for this unfinished run (server restarted, or workflow terminated)";
            Row("Note", $"{why}: it will not finish, and nothing released its machine. `dstack stop {run.Name}` stops the job it left and releases the machine; `dstack rm {run.Name}` does that too and removes the run.");
        }

        Console.Write(grid);
        if (TemporalUiLinks.RunPage(_context.LoadSettings(), run.Name, _context.Time.GetUtcNow()) is { } page)
        {
            // Under the grid, whose cells Spectre folds: the link carries a login token and must stay whole.
            WholeLine.Write(Console, $"{"Web UI",-9}  {page}");
        }

        if (m is { Attempts.Count: > 0 })
        {
            Console.Write(AttemptsTable.Build(m));
        }
    }

    private static string? Artifacts(RunManifest? manifest, ArtifactIndex? index)
    {
        if (index is null || index.Files.Count == 0)
        {
            return manifest is { Status: var s } && !s.IsFinished() ? "not uploaded yet" : null;
        }

        var files = index.Files.Count == 1 ? "1 file" : $"{index.Files.Count} files";
        return $"{string.Join(", ", index.Paths)} ({files}, {ByteSize.Format(index.TotalBytes)}); see `dstack artifacts list`";
    }

    private static Style StatusStyle(RunView run) => run.Status switch
    {
        _ when run.EndedInTemporal is not null => new Style(Color.Red),
        _ when run.Lost => new Style(Color.Grey),
        RunStatus.Done => new Style(Color.Green),
        RunStatus.Failed or RunStatus.Aborted => new Style(Color.Red),
        RunStatus.Stopped => new Style(Color.Yellow),
        _ => new Style(Color.Blue),
    };
}
