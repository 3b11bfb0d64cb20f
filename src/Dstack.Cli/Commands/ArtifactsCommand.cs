using System.CommandLine;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack artifacts</c>: the group of <c>list</c> and <c>download</c>.</summary>
internal sealed class ArtifactsCommand : Command
{
    public ArtifactsCommand(IAnsiConsole console, CliContext context)
        : base("artifacts", "List or download the artifacts (output files) of a run.")
    {
        Subcommands.Add(new ArtifactsListCommand(console, context));
        Subcommands.Add(new ArtifactsDownloadCommand(console, context));
    }
}
