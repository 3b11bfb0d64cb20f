namespace Dstack.Cli.Tests.Commands;

public sealed class RunCommandTests
{
    [Theory]
    [InlineData("workflows:\n  - name: train\n    provider: bash\n    comands: [echo hi]\n", new[] { "train" }, "comands")]
    [InlineData("workflows:\n  - name: train\n    provider: bash\n    commands: [echo hi]\n", new[] { "nosuchwf" }, "no workflow 'nosuchwf'")]
    [InlineData("workflows:\n  - name: train\n    provider: bash\n    commands: [echo hi]\n", new[] { "train", "--spot", "--on-demand" }, "contradict")]
    [InlineData("workflows:\n  - name: train\n    provider: bash\n    commands: [echo hi]\n", new[] { "train", "--tag", "bad/tag" }, "not a valid tag")]
    public async Task Run_RefusedBeforeSubmitting_UploadsNoCodeSnapshot(string workflowsYaml, string[] args, string expected)
    {
        // Each typo used to leave an orphan archive in storage (with S3, an upload of the repository per typo).
        await using var home = await TestHome.WithoutTemporalAsync();
        using var repo = new TempRepo(workflowsYaml);
        await File.WriteAllTextAsync(Path.Combine(repo.Root, "train.py"), "print('hi')\n");

        var (exitCode, output) = await home.RunAsync(["run", .. args, "--repo", repo.Root]);

        Assert.True(exitCode == ExitCodes.ConfigOrUsage, $"exit {exitCode}: {output}");
        Assert.Contains(expected, output, StringComparison.Ordinal);
        var code = Path.Combine(home.Storage.Root, "code");
        Assert.False(Directory.Exists(code) && Directory.EnumerateFileSystemEntries(code).Any(), "a code snapshot was uploaded for a refused run");
    }

    [Theory]
    [InlineData("banana")]
    [InlineData("A100,banana:80GB:2")]
    public async Task Run_UnknownGpuName_ExitTwoAndNoServerStarted(string gpu)
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        using var repo = new TempRepo("workflows:\n  - name: train\n    provider: bash\n    commands: [echo hi]\n");

        var (exitCode, output) = await home.RunAsync("run", "train", "--gpu", gpu, "--repo", repo.Root);

        Assert.True(exitCode == ExitCodes.ConfigOrUsage, $"exit {exitCode}: {output}");
        Assert.Contains("command line: --gpu: unknown GPU name 'banana'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

        // Nothing was started: the address of this home has no server, and none was started on it.
        Assert.False(File.Exists(Path.Combine(home.Root, "server.json")), output);
    }
}
