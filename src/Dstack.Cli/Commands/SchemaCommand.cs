using System.CommandLine;
using Dstack.Core.Configuration;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack schema</c>: prints the JSON Schema of workflows files.</summary>
internal sealed class SchemaCommand : DstackCommand
{
    public SchemaCommand(IAnsiConsole console)
        : base("schema", "Print the JSON Schema (draft 2020-12) of .dstack/workflows.yaml, e.g. for editor completion.", console)
    {
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        // Raw text, not markup: the output is meant to be redirected to a file.
        await Console.Profile.Out.Writer.WriteLineAsync(WorkflowSchema.Generate().AsMemory(), cancellationToken);
        return ExitCodes.Ok;
    }
}
