using System.CommandLine;
using Dstack.Core.Secrets;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack secrets delete NAME [-y]</c>.</summary>
internal sealed class SecretsDeleteCommand : DstackCommand
{
    private static readonly Argument<string> NameArgument = new("NAME") { Description = "The secret to delete." };
    private static readonly Option<bool> YesOption = new("--yes", "-y") { Description = "Do not ask for confirmation." };

    private readonly CliContext _context;

    public SecretsDeleteCommand(IAnsiConsole console, CliContext context)
        : base("delete", "Delete a secret.", console)
    {
        _context = context;
        Arguments.Add(NameArgument);
        Options.Add(YesOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var name = parseResult.GetValue(NameArgument)!; // a required argument
        SecretStore.CheckName(name);
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var store = new SecretStore(storage, _context.GetSecretKeys());
        if (!await store.ExistsAsync(name, cancellationToken))
        {
            throw new CommandException($"there is no secret '{name}'; see `dstack secrets list`.");
        }

        if (!await Confirmation.ConfirmAsync(Console, $"Delete the secret '{name}'?", parseResult.GetValue(YesOption), cancellationToken))
        {
            return ExitCodes.Ok;
        }

        await store.DeleteAsync(name, cancellationToken);
        Console.MarkupLineInterpolated($"[green]OK[/]: deleted the secret [bold]{name}[/]");
        return ExitCodes.Ok;
    }
}
