using System.CommandLine;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack secrets</c>: the group of <c>add</c>, <c>list</c> and <c>delete</c>.</summary>
internal sealed class SecretsCommand : Command
{
    public SecretsCommand(IAnsiConsole console, CliContext context)
        : base("secrets", "Store secrets (encrypted) that workflows receive as environment variables (secrets: [NAME]).")
    {
        Subcommands.Add(new SecretsAddCommand(console, context));
        Subcommands.Add(new SecretsListCommand(console, context));
        Subcommands.Add(new SecretsDeleteCommand(console, context));
    }
}
