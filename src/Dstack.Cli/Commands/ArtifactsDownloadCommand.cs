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
    private static readonly Argument<string> RunArgument = new("RUN") { Description = "The run whose artifacts to download, or :TAG for a tag's." };

    private static readonly Option<DirectoryInfo> OutputOption = new("--output", "-o")
    {
        Description = "The folder to download into (default: the current directory); artifact paths are kept below it.",
    };

    private readonly CliContext _context;

    public ArtifactsDownloadCommand(IAnsiConsole console, CliContext context)
        : base("download", "Download the artifacts of a run, checking each file against the sha256 recorded at upload.", console)
    {
        _context = context;
        Arguments.Add(RunArgument);
        Options.Add(OutputOption);
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
            return await DownloadAsync(new ArtifactStore(storage), run, index, target, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder that cannot be made or written (/proc, read-only, no permission) is the user's to change.
            throw new CommandException($"cannot write the artifacts of {run} to {target}: {e.Message} Choose another folder with -o.");
        }
    }

    private async Task<int> DownloadAsync(ArtifactStore store, string run, ArtifactIndex index, string target, CancellationToken cancellationToken)
    {
        var what = $"{index.Files.Count} {(index.Files.Count == 1 ? "file" : "files")} ({ByteSize.Format(index.TotalBytes)})";
        if (Console.Profile.Capabilities.Interactive)
        {
            await Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(run.EscapeMarkup(), maxValue: Math.Max(1, index.TotalBytes));
                    await store.DownloadAsync(run, StorageLayout.MainJob, target, new SynchronousProgress<long>(done => task.Value = done), cancellationToken);
                    task.Value = task.MaxValue;
                });
        }
        else
        {
            // Redirected output gets two plain lines instead of a redrawn bar.
            Console.MarkupLineInterpolated($"Downloading {what} of run {run} to {target}");
            await store.DownloadAsync(run, StorageLayout.MainJob, target, progress: null, cancellationToken);
        }

        Console.MarkupLineInterpolated($"[green]OK[/]: downloaded {what} to {target}, all hashes verified");
        return ExitCodes.Ok;
    }
}
