using System.CommandLine;
using Dstack.Core.Tags;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack tags delete TAG [-y]</c>: removes the tag (the run and its artifacts stay).</summary>
internal sealed class TagsDeleteCommand : DstackCommand
{
    private static readonly Argument<string> TagArgument = new("TAG") { Description = "The tag to delete." };
    private static readonly Option<bool> YesOption = new("--yes", "-y") { Description = "Do not ask for confirmation." };

    private readonly CliContext _context;

    public TagsDeleteCommand(IAnsiConsole console, CliContext context)
        : base("delete", "Delete a tag; the run it names and its artifacts stay.", console)
    {
        _context = context;
        Arguments.Add(TagArgument);
        Options.Add(YesOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var name = parseResult.GetValue(TagArgument)!; // a required argument
        TagStore.CheckName(name);
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var tags = new TagStore(storage);
        var tag = await tags.ReadAsync(name, cancellationToken)
            ?? throw new CommandException($"there is no tag '{name}' in {storage.Location}; see `dstack tags list`.");
        if (!await Confirmation.ConfirmAsync(Console, $"Delete the tag '{name}' (run {tag.Run})?", parseResult.GetValue(YesOption), cancellationToken))
        {
            return ExitCodes.Ok;
        }

        await tags.DeleteAsync(name, cancellationToken);
        Console.MarkupLineInterpolated($"[green]OK[/]: deleted the tag [bold]{name}[/]");
        return ExitCodes.Ok;
    }
}
