using System.CommandLine;
using Dstack.Core.Secrets;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack secrets list</c>: the names of the stored secrets (never their values).</summary>
internal sealed class SecretsListCommand : DstackCommand
{
    private readonly CliContext _context;

    public SecretsListCommand(IAnsiConsole console, CliContext context)
        : base("list", "List the names of the stored secrets.", console)
    {
        _context = context;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var names = await new SecretStore(storage, _context.GetSecretKeys()).ListAsync(cancellationToken);
        if (names.Count == 0)
        {
            Console.MarkupLine("No secrets. Add one with `dstack secrets add NAME`.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("NAME");
        foreach (var name in names)
        {
            table.AddRow(new Text(name));
        }

        Console.Write(table);
        return ExitCodes.Ok;
    }
}
