using Dstack.Core.Configuration;

namespace Dstack.Core.Tests.Configuration;

public sealed class WorkflowLoaderTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("dstack-loader-").FullName;

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    [Fact]
    public void Load_MainFileAndFolder_MergesInOrder()
    {
        Write(".dstack/workflows.yaml", "workflows:\n  - {name: a, provider: bash, commands: [x]}\n");
        Write(".dstack/workflows/extra.yml", "workflows:\n  - {name: b, provider: lab}\n");
        Write(".dstack/workflows/more.yaml", "workflows:\n  - {name: c, provider: bash, commands: [y]}\n");
        Write(".dstack/workflows/notes.txt", "not a workflows file");

        var workflows = WorkflowLoader.Load(_repo);

        Assert.Equal(["a", "b", "c"], workflows.Select(w => w.Name));
        Assert.Equal(".dstack/workflows/extra.yml", workflows[1].Source.File);
    }

    [Fact]
    public void Load_DuplicateNameAcrossFiles_NamesBothFilesAndLines()
    {
        Write(".dstack/workflows.yaml", "workflows:\n  - name: train\n    provider: bash\n    commands: [x]\n");
        Write(".dstack/workflows/extra.yml", "workflows:\n  - name: other\n    provider: lab\n  - name: train\n    provider: lab\n");

        var exception = Assert.Throws<ConfigurationException>(() => WorkflowLoader.Load(_repo));

        var error = Assert.Single(exception.Errors);
        Assert.Equal(
            ".dstack/workflows/extra.yml:4:11: workflows[1].name: duplicate workflow name 'train'; first defined at .dstack/workflows.yaml:2:11",
            error.ToString());
    }

    [Fact]
    public void Load_HugeCommand_IsValidSinceItGoesThroughStorage()
    {
        Write(".dstack/workflows.yaml", $"workflows:\n  - name: big\n    provider: bash\n    commands:\n      - echo {new string('x', 3 * 1024 * 1024)}\n");

        Assert.Equal("big", Assert.Single(WorkflowLoader.Load(_repo)).Name);
    }

    [Fact]
    public void Load_SpecOverTemporalsLimit_NamesTheWorkflowAndTheKeyWithItsLine()
    {
        // Artifacts stay in the spec (the workflow reads them), so thousands of them cannot travel through Temporal.
        var artifacts = string.Join(", ", Enumerable.Range(0, 8_000).Select(i => $"out/part-{i:D5}"));
        Write(".dstack/workflows.yaml", $"workflows:\n  - name: small\n    provider: bash\n    commands: [x]\n  - name: huge\n    provider: bash\n    commands: [x]\n    artifacts: [{artifacts}]\n");

        var exception = Assert.Throws<ConfigurationException>(() => WorkflowLoader.Load(_repo));

        var error = Assert.Single(exception.Errors);
        Assert.Equal((".dstack/workflows.yaml", 8, 5, "workflows[1].artifacts"), (error.File, error.Line, error.Column, error.Path));
        Assert.StartsWith("workflow 'huge' is too big to run: its run spec would take about ", error.Message, StringComparison.Ordinal);
        Assert.Contains("over the 256 KiB a run spec may take there", error.Message, StringComparison.Ordinal);
        Assert.Contains("Temporal refuses any payload over 2 MiB (the server's blob size limit)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OnlyFolder_IsEnough()
    {
        Write(".dstack/workflows/only.yaml", "workflows:\n  - {name: a, provider: code}\n");

        Assert.Equal("a", Assert.Single(WorkflowLoader.Load(_repo)).Name);
    }

    [Fact]
    public void Load_NoWorkflowsFile_TellsToRunInARepoWithOne()
    {
        var exception = Assert.Throws<ConfigurationException>(() => WorkflowLoader.Load(_repo));

        var error = Assert.Single(exception.Errors);
        Assert.Equal(WorkflowLoader.MainFile, error.File);
        Assert.Equal(0, error.Line);
        Assert.Contains("run dstack in a repository that has one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ErrorsInSeveralFiles_ReportsAllOfThem()
    {
        Write(".dstack/workflows.yaml", "workflows:\n  - {name: a, provider: bash}\n");
        Write(".dstack/workflows/extra.yml", "workflows:\n  - {name: b, provider: docker}\n");

        var exception = Assert.Throws<ConfigurationException>(() => WorkflowLoader.Load(_repo));

        Assert.Equal(
            [
                ".dstack/workflows.yaml:2:5: workflows[0]: missing required key 'commands' (provider 'bash' needs it)",
                ".dstack/workflows/extra.yml:2:5: workflows[0]: missing required key 'image' (provider 'docker' needs it)",
            ],
            exception.Errors.Select(e => e.ToString()));
        Assert.Contains("2 errors", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExampleRepository_IsValid()
    {
        var example = Path.Combine(FindRepoRoot(), "examples", "hello");

        var workflows = WorkflowLoader.Load(example);

        Assert.Equal(["hello", "train", "hello-args"], workflows.Select(w => w.Name));
        Assert.Equal("./output", workflows[0].Artifacts[0].Path.Text);
        Assert.Equal(new PythonVersion(3, 11), workflows[1].Python);
        Assert.Equal("requirements.txt", workflows[1].Requirements);
        Assert.Equal("python hello_args.py a 'b c'", workflows[2].Commands[1].Render(new RunContext("r", ["a", "b c"])));
    }

    private static string FindRepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(_repo, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
