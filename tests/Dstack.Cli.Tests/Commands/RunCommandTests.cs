namespace Dstack.Cli.Tests.Commands;

public sealed class RunCommandTests
{
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
