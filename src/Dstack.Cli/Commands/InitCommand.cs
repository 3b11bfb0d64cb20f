using System.CommandLine;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack init</c>: prepares a Git repository for dstack with an example <c>.dstack/workflows.yaml</c>.</summary>
internal sealed class InitCommand : DstackCommand
{
    /// <summary>A workflow that runs anywhere in seconds and shows logs and artifacts.</summary>
    internal const string ExampleWorkflows = """
        # dstack workflows: run one with `dstack run NAME`; `dstack schema` describes every key.
        workflows:
          - name: hello
            provider: bash
            help: Says hello and saves the greeting as an artifact
            commands:
              - echo "Hello from dstack!"
              - mkdir -p output
              - echo "Hello, world!" > output/hello.txt
            artifacts:
              - path: ./output

        """;

    private static readonly Option<DirectoryInfo> RepoOption = new("--repo")
    {
        Description = "The repository root (default: the current directory).",
    };

    public InitCommand(IAnsiConsole console)
        : base("init", "Prepare a Git repository for dstack: create .dstack/workflows.yaml with an example workflow.", console)
    {
        Options.Add(RepoOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var root = parseResult.GetValue(RepoOption)?.FullName ?? Directory.GetCurrentDirectory();
        if (!Directory.Exists(root))
        {
            throw new CommandException($"{root} does not exist.");
        }

        if (!IsGitRoot(root))
        {
            throw FindGitRoot(root) is { } top
                ? new CommandException($"{root} is inside the Git repository {top}; run `dstack init` at its root, or pass --repo {top}.")
                : new CommandException($"{root} is not a Git repository; run `git init` first.");
        }

        var dstackFolder = Path.Combine(root, ".dstack");
        var file = Path.Combine(dstackFolder, "workflows.yaml");
        if (File.Exists(file))
        {
            Console.MarkupLine(".dstack/workflows.yaml already exists; left it unchanged.");
            return ExitCodes.Ok;
        }

        var folder = Path.Combine(dstackFolder, "workflows");
        if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.yaml").Any())
        {
            Console.MarkupLine(".dstack/workflows/ already has workflows files; created nothing.");
            return ExitCodes.Ok;
        }

        try
        {
            Directory.CreateDirectory(dstackFolder);

            // CreateNew: never overwrite, even a file that appeared since the check above.
            var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write);
            await using (stream)
            {
                await using var writer = new StreamWriter(stream);
                await writer.WriteAsync(ExampleWorkflows.AsMemory(), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only checkout, no permission, or a file named .dstack: the user's to fix, so say where and why.
            throw new CommandException($"cannot create {file}: {e.Message}");
        }

        Console.MarkupLine("Created [green].dstack/workflows.yaml[/] with the example workflow [bold]hello[/].");
        Console.MarkupLine("Next: [bold]dstack run hello[/], then [bold]dstack logs RUN[/] and [bold]dstack artifacts download RUN[/].");
        return ExitCodes.Ok;
    }

    /// <summary>True when the folder holds <c>.git</c>: a folder, or a file in worktrees and submodules.</summary>
    private static bool IsGitRoot(string folder)
    {
        var git = Path.Combine(folder, ".git");
        return Directory.Exists(git) || File.Exists(git);
    }

    private static string? FindGitRoot(string folder)
    {
        for (var parent = Path.GetDirectoryName(folder); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (IsGitRoot(parent))
            {
                return parent;
            }
        }

        return null;
    }
}
