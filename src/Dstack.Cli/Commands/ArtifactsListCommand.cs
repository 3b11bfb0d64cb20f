using System.CommandLine;
using Dstack.Cli.Runs;
using Dstack.Core.Artifacts;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack artifacts list</c>: the files a run uploaded, by artifact.</summary>
internal sealed class ArtifactsListCommand : DstackCommand
{
    private static readonly Argument<string> RunArgument = new("RUN") { Description = "The run whose artifacts to list, or :TAG for a tag's." };

    private readonly CliContext _context;

    public ArtifactsListCommand(IAnsiConsole console, CliContext context)
        : base("list", "List the artifact files of a run (or :TAG) with their sizes.", console)
    {
        _context = context;
        Arguments.Add(RunArgument);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var run = parseResult.GetValue(RunArgument)!; // a required argument
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var index = await ArtifactsDownloadCommand.ReadIndexAsync(storage, run, cancellationToken);
        if (index is null)
        {
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("ARTIFACT", "FILE", "SIZE");
        table.Columns[2].RightAligned();
        foreach (var file in index.Files)
        {
            table.AddRow(new Text(ArtifactOf(index, file.Path)), new Text(file.Path), new Text(ByteSize.Format(file.Size)));
        }

        Console.Write(table);
        Console.MarkupLineInterpolated($"{index.Files.Count} {(index.Files.Count == 1 ? "file" : "files")}, {ByteSize.Format(index.TotalBytes)}");
        return ExitCodes.Ok;
    }

    /// <summary>The artifact path (as the workflow declared it) that holds <paramref name="file"/>.</summary>
    private static string ArtifactOf(ArtifactIndex index, string file)
    {
        foreach (var declared in index.Paths)
        {
            var folder = Normalize(declared);
            if (folder.Length == 0 || file == folder || file.StartsWith(folder + "/", StringComparison.Ordinal))
            {
                return declared;
            }
        }

        return "-";
    }

    private static string Normalize(string path)
    {
        var p = path.Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p[2..];
        }

        return p.TrimEnd('/') is "." ? string.Empty : p.TrimEnd('/');
    }
}
