using Dstack.Cli.Commands;

namespace Dstack.Cli.Tests.Commands;

public sealed class InitCommandTests
{
    [Fact]
    public async Task Init_GitRepo_CreatesAnExampleThatValidates()
    {
        using var repo = new TempRepo(null);
        Directory.CreateDirectory(Path.Combine(repo.Root, ".git"));

        var (exitCode, output) = await CliRunner.RunAsync("init", "--repo", repo.Root);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("Created .dstack/workflows.yaml", output, StringComparison.Ordinal);
        Assert.Equal(InitCommand.ExampleWorkflows, await File.ReadAllTextAsync(Path.Combine(repo.Root, ".dstack", "workflows.yaml")));
        var (validateExit, validateOutput) = await CliRunner.RunAsync("validate", "--repo", repo.Root);
        Assert.Equal(ExitCodes.Ok, validateExit);
        Assert.Contains("hello", validateOutput, StringComparison.Ordinal);
        Assert.Contains("./output", validateOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_NotAGitRepo_FailsAndCreatesNothing()
    {
        using var repo = new TempRepo(null);

        var (exitCode, output) = await CliRunner.RunAsync("init", "--repo", repo.Root);

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("not a Git repository; run `git init` first", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(repo.Root, ".dstack")));
    }

    [Fact]
    public async Task Init_SubfolderOfARepo_PointsAtTheRoot()
    {
        using var repo = new TempRepo(null);
        Directory.CreateDirectory(Path.Combine(repo.Root, ".git"));
        var sub = Directory.CreateDirectory(Path.Combine(repo.Root, "src")).FullName;

        var (exitCode, output) = await CliRunner.RunAsync("init", "--repo", sub);

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains($"--repo {repo.Root}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_WorkflowsFileExists_LeavesItUnchanged()
    {
        const string Mine = "workflows:\n  - name: mine\n    provider: bash\n    commands: [echo]\n";
        using var repo = new TempRepo(Mine);
        Directory.CreateDirectory(Path.Combine(repo.Root, ".git"));

        var (exitCode, output) = await CliRunner.RunAsync("init", "--repo", repo.Root);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("already exists", output, StringComparison.Ordinal);
        Assert.Equal(Mine, await File.ReadAllTextAsync(Path.Combine(repo.Root, ".dstack", "workflows.yaml")));
    }

    [Fact]
    public async Task Init_FolderThatCannotBeMade_SaysWhichFileAndWhyWithoutAStackTrace()
    {
        using var repo = new TempRepo(null);
        Directory.CreateDirectory(Path.Combine(repo.Root, ".git"));

        // A file where the .dstack folder should be: even root cannot make the folder, so the test holds under sudo.
        await File.WriteAllTextAsync(Path.Combine(repo.Root, ".dstack"), "not a folder");

        var (exitCode, output) = await CliRunner.RunAsync("init", "--repo", repo.Root);

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains($"cannot create {Path.Combine(repo.Root, ".dstack", "workflows.yaml")}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
