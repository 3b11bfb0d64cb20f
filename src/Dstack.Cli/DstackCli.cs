using System.CommandLine;
using Dstack.Cli.Commands;
using Spectre.Console;

namespace Dstack.Cli;

/// <summary>Builds the <c>dstack</c> command tree and runs a command line through it.</summary>
internal static class DstackCli
{
    public static RootCommand CreateRootCommand(IAnsiConsole console) => CreateRootCommand(console, CliContext.CreateDefault(console));

    public static RootCommand CreateRootCommand(IAnsiConsole console, CliContext context)
    {
        var root = new RootCommand("dstack: run ML workflows declared in .dstack/workflows.yaml.");
        root.Subcommands.Add(new InitCommand(console));
        root.Subcommands.Add(new ValidateCommand(console));
        root.Subcommands.Add(new RunCommand(console, context));
        root.Subcommands.Add(new ServerCommand(console, context));
        root.Subcommands.Add(new WorkerCommand(console, context));
        root.Subcommands.Add(new SchemaCommand(console));
        root.Subcommands.Add(new PsCommand(console, context));
        root.Subcommands.Add(new LogsCommand(console, context));
        root.Subcommands.Add(new AttachCommand(console, context));
        root.Subcommands.Add(new StopCommand(console, context));
        root.Subcommands.Add(new RmCommand(console, context));
        root.Subcommands.Add(new ArtifactsCommand(console, context));
        root.Subcommands.Add(new TagsCommand(console, context));
        root.Subcommands.Add(new SecretsCommand(console, context));
        root.Subcommands.Add(new OffersCommand(console, context));
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new VersionAction(console);
        }

        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; usage errors exit with <see cref="ExitCodes.ConfigOrUsage"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="console">Where commands write.</param>
    /// <param name="configuration">Where help and version text go (the process's standard output by default).</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    public static Task<int> RunAsync(
        string[] args, IAnsiConsole console, InvocationConfiguration? configuration = null, CancellationToken cancellationToken = default) =>
        RunAsync(args, console, CliContext.CreateDefault(console), configuration, cancellationToken);

    /// <summary>Parses and runs <paramref name="args"/> with <paramref name="context"/> (tests pass their own).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="console">Where commands write.</param>
    /// <param name="context">Settings, storage and Temporal for the commands.</param>
    /// <param name="configuration">Where help and version text go (the process's standard output by default).</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    public static async Task<int> RunAsync(
        string[] args, IAnsiConsole console, CliContext context, InvocationConfiguration? configuration = null, CancellationToken cancellationToken = default)
    {
        var parseResult = CreateRootCommand(console, context).Parse(args);
        var errors = parseResult.Errors.Select(e => e.Message).Concat(UnknownOptions(parseResult)).ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {error}");
            }

            console.MarkupLine("See 'dstack --help'.");
            return ExitCodes.ConfigOrUsage;
        }

        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>
    /// Options nobody declared that the parser took as a run, tag or secret name (<c>dstack ps --bogus</c>): an
    /// argument of one value never starts with '-'. A workflow's own arguments (<c>dstack run train --lr 0.1</c>) may.
    /// </summary>
    private static IEnumerable<string> UnknownOptions(ParseResult parseResult) =>
        parseResult.CommandResult.Children
            .OfType<System.CommandLine.Parsing.ArgumentResult>()
            .Where(a => a.Argument.Arity.MaximumNumberOfValues == 1)
            .SelectMany(a => a.Tokens)
            .Where(t => t.Value.Length > 1 && t.Value[0] == '-')
            .Select(t => $"unknown option '{t.Value}'.");
}
