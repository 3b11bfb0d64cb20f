using System.CommandLine;
using Dstack.Cli.Runs;
using Dstack.Core.Artifacts;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Core.Tags;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack artifacts download</c>: copies a run's artifacts into a folder, verifying every hash.</summary>
internal sealed class ArtifactsDownloadCommand : DstackCommand
{
    /// <summary>How many file names a summary line lists before it says how many more there are.</summary>
    private const int NamesShown = 10;

    private static readonly Argument<string> RunArgument = new("RUN") { Description = "The run whose artifacts to download, or :TAG for a tag's." };

    private static readonly Option<DirectoryInfo> OutputOption = new("--output", "-o")
    {
        Description = "The folder to download into (default: the current directory); artifact paths are kept below it.",
    };

    private static readonly Option<bool> ForceOption = new("--force")
    {
        Description = "Overwrite local files whose content differs from the artifacts (by default the download refuses and writes nothing).",
    };

    private readonly CliContext _context;

    public ArtifactsDownloadCommand(IAnsiConsole console, CliContext context)
        : base("download", "Download the artifacts of a run, checking each file against the hash recorded at upload; files already there with the same hash are skipped, files that differ are kept unless --force.", console)
    {
        _context = context;
        Arguments.Add(RunArgument);
        Options.Add(OutputOption);
        Options.Add(ForceOption);
    }

    /// <summary>
    /// Reads the artifact index of <paramref name="run"/>, or says why there is none and returns null.
    /// </summary>
    /// <exception cref="CommandException">Storage knows no such run.</exception>
    internal static async Task<ArtifactIndex?> ReadIndexAsync(IStorage storage, string run, CancellationToken cancellationToken)
    {
        run = await ResolveRunAsync(storage, run, cancellationToken);
        var manifest = await new ManifestStore(storage).ReadAsync(run, cancellationToken);
        var index = await new ArtifactStore(storage).ReadIndexAsync(run, StorageLayout.MainJob, cancellationToken);
        if (manifest is null && index is null)
        {
            throw new CommandException($"run {run} not found in {storage.Location}.");
        }

        return index is { Files.Count: > 0 } ? index : null;
    }

    /// <summary>Turns <c>:TAG</c> into the run the tag names; a run name is returned as is.</summary>
    /// <exception cref="CommandException">The tag does not exist.</exception>
    internal static async Task<string> ResolveRunAsync(IStorage storage, string runOrTag, CancellationToken cancellationToken)
    {
        if (!runOrTag.StartsWith(':'))
        {
            return runOrTag;
        }

        var name = runOrTag[1..];
        var tag = await new TagStore(storage).ReadAsync(name, cancellationToken)
            ?? throw new CommandException($"there is no tag '{name}' in {storage.Location}; see `dstack tags list`.");
        return tag.Run;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var target = parseResult.GetValue(OutputOption)?.FullName ?? Directory.GetCurrentDirectory();
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var run = await ResolveRunAsync(storage, parseResult.GetValue(RunArgument)!, cancellationToken); // a required argument
        var index = await ReadIndexAsync(storage, run, cancellationToken);
        if (index is null)
        {
            var manifest = await new ManifestStore(storage).ReadAsync(run, cancellationToken);
            if (manifest is { Status: var s } && !s.IsFinished())
            {
                Console.MarkupLineInterpolated($"run {run} has no artifacts yet: they are uploaded when it finishes.");
            }
            else
            {
                Console.MarkupLineInterpolated($"run {run} has no artifacts.");
            }

            return ExitCodes.Ok;
        }

        try
        {
            return await DownloadAsync(new ArtifactStore(storage), run, index, target, parseResult.GetValue(ForceOption), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder that cannot be made or written (/proc, read-only, no permission) is the user's to change.
            throw new CommandException($"cannot write the artifacts of {run} to {target}: {e.Message} Choose another folder with -o.");
        }
    }

    private async Task<int> DownloadAsync(ArtifactStore store, string run, ArtifactIndex index, string target, bool force, CancellationToken cancellationToken)
    {
        // Everything is compared before anything is written: a refused download leaves the folder as it was.
        var plan = await ArtifactStore.PlanDownloadAsync(run, index, target, cancellationToken);
        if (plan.Different.Count > 0 && !force)
        {
            throw new CommandException(
                $"{Files(plan.Different.Count)} in {target} {(plan.Different.Count == 1 ? "differs" : "differ")} from the artifacts of {run} and would be overwritten: "
                + $"{Names(plan.Different)}. Nothing was downloaded. Pass --force to overwrite {(plan.Different.Count == 1 ? "it" : "them")}, or choose another folder with -o.",
                ExitCodes.ConfigOrUsage);
        }

        var files = plan.ToWrite(force);
        var bytes = files.Sum(f => f.Size);
        var what = $"{Files(files.Count)} ({ByteSize.Format(bytes)})";
        if (files.Count > 0 && Console.Profile.Capabilities.Interactive)
        {
            await Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(run.EscapeMarkup(), maxValue: Math.Max(1, bytes));
                    await store.DownloadFilesAsync(run, StorageLayout.MainJob, files, target, new SynchronousProgress<long>(done => task.Value = done), cancellationToken);
                    task.Value = task.MaxValue;
                });
        }
        else if (files.Count > 0)
        {
            // Redirected output gets plain lines instead of a redrawn bar.
            Console.MarkupLineInterpolated($"Downloading {what} of run {run} to {target}");
            await store.DownloadFilesAsync(run, StorageLayout.MainJob, files, target, progress: null, cancellationToken);
        }

        if (files.Count > 0)
        {
            Console.MarkupLineInterpolated($"[green]OK[/]: downloaded {what} to {target}, all hashes verified: {Names(files)}");
        }
        else
        {
            Console.MarkupLineInterpolated($"[green]OK[/]: nothing to download to {target}");
        }

        if (plan.Same.Count > 0)
        {
            Console.MarkupLineInterpolated($"skipped {Files(plan.Same.Count)} already there with the same hash: {Names(plan.Same)}");
        }

        if (force && plan.Different.Count > 0)
        {
            Console.MarkupLineInterpolated($"[yellow]overwrote {Files(plan.Different.Count)}[/] whose local content differed: {Names(plan.Different)}");
        }

        return ExitCodes.Ok;
    }

    private static string Files(int count) => count == 1 ? "1 file" : $"{count} files";

    private static string Names(IReadOnlyList<ArtifactFile> files) =>
        string.Join(", ", files.Take(NamesShown).Select(f => f.Path))
        + (files.Count > NamesShown ? $" and {files.Count - NamesShown} more" : string.Empty);
}
