namespace Dstack.Cli.Tests.Commands;

public sealed class ValidateCommandTests
{
    [Fact]
    public async Task Validate_ValidRepo_PrintsTableAndExitsZero()
    {
        using var repo = new TempRepo("""
            workflows:
              - name: train
                provider: bash
                commands: [python train.py]
                artifacts: [./checkpoints]
                resources: {cpu: 2.., memory: 16GB.., gpu: A100:80GB:2}
              - name: ide
                provider: lab
            """);

        var (exitCode, output) = await CliRunner.RunAsync("validate", "--repo", repo.Root);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("NAME", output, StringComparison.Ordinal);
        Assert.Contains("PROVIDER", output, StringComparison.Ordinal);
        Assert.Contains("2.. CPU, 16GB.. RAM, A100:80GB:2", output, StringComparison.Ordinal);
        Assert.Contains("./checkpoints", output, StringComparison.Ordinal);
        Assert.Contains("OK: 2 workflows", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_InvalidRepo_PrintsEachErrorAndExitsTwo()
    {
        using var repo = new TempRepo("""
            workflows:
              - name: train
                provider: bash
                requirments: requirements.txt
                commands: [python train.py]
                resources:
                  gpu: {memory: lots}
            """);

        var (exitCode, output) = await CliRunner.RunAsync("validate", "--repo", repo.Root);

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains(".dstack/workflows.yaml:4:5: workflows[0].requirments: unknown key 'requirments'; did you mean 'requirements'?", lines);
        Assert.Contains(
            ".dstack/workflows.yaml:7:21: workflows[0].resources.gpu.memory: expected a size like 64GB or a range like 16GB..64GB, found 'lots'",
            lines);
        Assert.Contains("2 configuration errors", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_YamlSyntaxError_ReportsPositionWithoutStackTrace()
    {
        using var repo = new TempRepo("workflows:\n  - name: a\n    commands: [echo\n");

        var (exitCode, output) = await CliRunner.RunAsync("validate", "--repo", repo.Root);

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        Assert.StartsWith(".dstack/workflows.yaml:", output, StringComparison.Ordinal);
        Assert.Contains("invalid YAML", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_NoWorkflowsFile_ExplainsAndExitsTwo()
    {
        using var repo = new TempRepo(null);

        var (exitCode, output) = await CliRunner.RunAsync("validate", "--repo", repo.Root);

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        Assert.Contains("run dstack in a repository that has one", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_UnknownGpuName_FileLineColumnAndTheKnownNames()
    {
        using var repo = new TempRepo("""
            workflows:
              - name: train
                provider: bash
                commands: [python train.py]
                resources:
                  gpu: banana:2
            """);

        var (exitCode, output) = await CliRunner.RunAsync("validate", "--repo", repo.Root);

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("banana", StringComparison.Ordinal));
        Assert.StartsWith(".dstack/workflows.yaml:6:12: workflows[0].resources.gpu: unknown GPU name 'banana'; the known GPU names are ", line, StringComparison.Ordinal);
        Assert.Contains(", A100, ", line, StringComparison.Ordinal);
        Assert.Contains(", MI300X, ", line, StringComparison.Ordinal);
    }
}
