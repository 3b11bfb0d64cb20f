using System.CommandLine;
using System.Globalization;
using Dstack.Cli.Runs;
using Dstack.Core.Artifacts;
using Dstack.Core.Storage;
using Dstack.Core.Tags;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack tags list</c>: every tag with the run it names and the size of its artifacts.</summary>
internal sealed class TagsListCommand : DstackCommand
{
    private readonly CliContext _context;

    public TagsListCommand(IAnsiConsole console, CliContext context)
        : base("list", "List the tags.", console)
    {
        _context = context;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var tags = await new TagStore(storage).ListAsync(cancellationToken);
        if (tags.Count == 0)
        {
            Console.MarkupLine("No tags. Add one with `dstack tags add TAG RUN` or `dstack run NAME -t TAG`.");
            return ExitCodes.Ok;
        }

        var artifacts = new ArtifactStore(storage);
        var table = new Table().AddColumns("TAG", "RUN", "SOURCE", "FILES", "SIZE", "CREATED");
        foreach (var tag in tags)
        {
            var index = await artifacts.ReadIndexAsync(tag.Run, StorageLayout.MainJob, cancellationToken);
            table.AddRow(
                new Text(tag.Name),
                new Text(tag.Run),
                new Text(tag.Source),
                new Text(index is null ? "-" : index.Files.Count.ToString(CultureInfo.InvariantCulture)),
                new Text(index is null ? "-" : ByteSize.Format(index.TotalBytes)),
                new Text(tag.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)));
        }

        Console.Write(table);
        return ExitCodes.Ok;
    }
}
