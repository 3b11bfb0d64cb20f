using System.CommandLine;
using Dstack.Core.Secrets;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack secrets add NAME [VALUE]</c>: stores a secret, asking for the value without echo when it is omitted.</summary>
internal sealed class SecretsAddCommand : DstackCommand
{
    private static readonly Argument<string> NameArgument = new("NAME") { Description = "The secret's name; the job gets it as this environment variable." };

    private static readonly Argument<string?> ValueArgument = new("VALUE")
    {
        Description = "The value (omit it to be asked without echo, so it stays out of your shell history).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly CliContext _context;

    public SecretsAddCommand(IAnsiConsole console, CliContext context)
        : base("add", "Add or replace a secret.", console)
    {
        _context = context;
        Arguments.Add(NameArgument);
        Arguments.Add(ValueArgument);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var name = parseResult.GetValue(NameArgument)!; // a required argument
        SecretStore.CheckName(name);
        var value = parseResult.GetValue(ValueArgument);
        if (value is null)
        {
            if (!Console.Profile.Capabilities.Interactive)
            {
                throw new CommandException($"no value for the secret '{name}', and the terminal is not interactive to ask for it: pass it (`dstack secrets add {name} VALUE`).", ExitCodes.ConfigOrUsage);
            }

            value = await new TextPrompt<string>($"Value of [bold]{name.EscapeMarkup()}[/]:").Secret().ShowAsync(Console, cancellationToken);
        }

        var storage = await _context.OpenStorageAsync(cancellationToken);
        await new SecretStore(storage, _context.GetSecretKeys()).AddAsync(name, value, cancellationToken);
        Console.MarkupLineInterpolated($"[green]OK[/]: stored the secret [bold]{name}[/] (encrypted)");
        return ExitCodes.Ok;
    }
}
