using System.CommandLine;
using Dstack.Core.Configuration;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack validate</c>: checks the workflows files of a repository and lists the workflows.</summary>
internal sealed class ValidateCommand : DstackCommand
{
    private static readonly Option<DirectoryInfo> RepoOption = new("--repo")
    {
        Description = "The repository root (default: the current directory).",
    };

    public ValidateCommand(IAnsiConsole console)
        : base("validate", "Check .dstack/workflows.yaml and .dstack/workflows/*.yaml and list their workflows.", console)
    {
        Options.Add(RepoOption);
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var repo = parseResult.GetValue(RepoOption)?.FullName ?? Directory.GetCurrentDirectory();
        var workflows = WorkflowLoader.Load(repo);

        var table = new Table().AddColumns("NAME", "PROVIDER", "RESOURCES", "ARTIFACTS");
        foreach (var workflow in workflows)
        {
            table.AddRow(
                new Text(workflow.Name),
                new Text(workflow.Provider.ToConfigName()),
                new Text(ResourceSummary.Format(workflow.Resources)),
                new Text(workflow.Artifacts.Count == 0 ? "-" : string.Join(", ", workflow.Artifacts.Select(a => a.Path.Text))));
        }

        Console.Write(table);
        var noun = workflows.Count == 1 ? "workflow" : "workflows";
        Console.MarkupLine($"[green]OK[/]: {workflows.Count} {noun}");
        return Task.FromResult(ExitCodes.Ok);
    }
}
