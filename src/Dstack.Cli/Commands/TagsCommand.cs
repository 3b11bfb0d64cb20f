using System.CommandLine;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack tags</c>: the group of <c>add</c>, <c>list</c> and <c>delete</c>.</summary>
internal sealed class TagsCommand : Command
{
    public TagsCommand(IAnsiConsole console, CliContext context)
        : base("tags", "Name the artifacts of a run, or local folders, so other workflows can depend on them (deps: [{tag: NAME}]).")
    {
        Subcommands.Add(new TagsAddCommand(console, context));
        Subcommands.Add(new TagsListCommand(console, context));
        Subcommands.Add(new TagsDeleteCommand(console, context));
    }
}
