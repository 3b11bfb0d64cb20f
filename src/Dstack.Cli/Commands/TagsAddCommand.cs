using System.CommandLine;
using System.Globalization;
using Dstack.Cli.Runs;
using Dstack.Core.Artifacts;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Core.Tags;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack tags add TAG RUN</c> or <c>dstack tags add TAG -a PATH...</c>.</summary>
internal sealed class TagsAddCommand : DstackCommand
{
    private static readonly Argument<string> TagArgument = new("TAG") { Description = "The tag." };

    private static readonly Argument<string?> RunArgument = new("RUN")
    {
        Description = "The run whose artifacts the tag names (omit with -a).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string[]> ArtifactOption = new("--artifact", "-a")
    {
        Description = "Upload this local file or folder (relative to the current directory) as part of the tagged data set; repeatable.",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly CliContext _context;

    public TagsAddCommand(IAnsiConsole console, CliContext context)
        : base("add", "Tag the artifacts of a run, or upload local folders as a tagged data set.", console)
    {
        _context = context;
        Arguments.Add(TagArgument);
        Arguments.Add(RunArgument);
        Options.Add(ArtifactOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var name = parseResult.GetValue(TagArgument)!; // a required argument
        var run = parseResult.GetValue(RunArgument);
        var paths = parseResult.GetValue(ArtifactOption) ?? [];
        TagStore.CheckName(name);
        if ((run is null) == (paths.Length == 0))
        {
            throw new CommandException("give either a RUN (`dstack tags add TAG RUN`) or local paths to upload (`dstack tags add TAG -a PATH`), not both and not neither.", ExitCodes.ConfigOrUsage);
        }

        var storage = await _context.OpenStorageAsync(cancellationToken);
        var tags = new TagStore(storage);
        if (await tags.ReadAsync(name, cancellationToken) is { } existing)
        {
            throw new CommandException($"the tag '{name}' exists already (it names run {existing.Run}); delete it first with `dstack tags delete {name}`.");
        }

        var now = _context.Time.GetUtcNow();
        if (run is not null)
        {
            var manifest = await new ManifestStore(storage).ReadAsync(run, cancellationToken);
            if (manifest is null && !await storage.ExistsAsync(StorageLayout.ArtifactIndex(run, StorageLayout.MainJob), cancellationToken))
            {
                throw new CommandException($"run {run} not found in {storage.Location}; see `dstack ps -a`.");
            }

            await tags.WriteAsync(new TagRecord(name, run, now, TagRecord.RunSource), cancellationToken);
            Console.MarkupLineInterpolated($"[green]OK[/]: tag [bold]{name}[/] names the artifacts of run {run}");
            return ExitCodes.Ok;
        }

        var root = Directory.GetCurrentDirectory();
        var dataSet = $"data-{name}-{now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        ArtifactIndex index;
        try
        {
            foreach (var path in paths.Where(p => !File.Exists(Path.Combine(root, p)) && !Directory.Exists(Path.Combine(root, p))))
            {
                throw new CommandException($"-a {path}: no such file or folder in {root}.", ExitCodes.ConfigOrUsage);
            }

            index = await new ArtifactStore(storage).UploadPathsAsync(dataSet, StorageLayout.MainJob, root, paths, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new CommandException($"-a: {e.Message} Upload folders from inside the current directory.", ExitCodes.ConfigOrUsage);
        }

        await tags.WriteAsync(new TagRecord(name, dataSet, now, TagRecord.UploadSource), cancellationToken);
        Console.MarkupLineInterpolated($"[green]OK[/]: uploaded {index.Files.Count} {(index.Files.Count == 1 ? "file" : "files")} ({ByteSize.Format(index.TotalBytes)}) as tag [bold]{name}[/]");
        return ExitCodes.Ok;
    }
}
