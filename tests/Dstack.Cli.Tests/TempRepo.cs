namespace Dstack.Cli.Tests;

/// <summary>A temporary repository folder with a <c>.dstack/workflows.yaml</c>.</summary>
internal sealed class TempRepo : IDisposable
{
    public TempRepo(string? workflowsYaml)
    {
        if (workflowsYaml is not null)
        {
            Directory.CreateDirectory(Path.Combine(Root, ".dstack"));
            File.WriteAllText(Path.Combine(Root, ".dstack", "workflows.yaml"), workflowsYaml);
        }
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("dstack-cli-").FullName;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
