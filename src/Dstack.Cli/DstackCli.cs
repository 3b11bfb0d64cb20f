using System.CommandLine;
using Dstack.Cli.Commands;
using Spectre.Console;

namespace Dstack.Cli;

/// <summary>Builds the <c>dstack</c> command tree and runs a command line through it.</summary>
internal static class DstackCli
{
    public static RootCommand CreateRootCommand(IAnsiConsole console)
    {
        var root = new RootCommand("dstack: run ML workflows declared in .dstack/workflows.yaml.");
        root.Subcommands.Add(new ValidateCommand(console));
        root.Subcommands.Add(new SchemaCommand(console));
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
    public static async Task<int> RunAsync(
        string[] args, IAnsiConsole console, InvocationConfiguration? configuration = null, CancellationToken cancellationToken = default)
    {
        var parseResult = CreateRootCommand(console).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
            }

            console.MarkupLine("See 'dstack --help'.");
            return ExitCodes.ConfigOrUsage;
        }

        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }
}
