using Dstack.Core.Runs;

namespace Dstack.Cli.Tests.Commands;

public sealed class TagsCommandTests
{
    [Fact]
    public async Task TagsAdd_Run_ThenList_ThenDeleteKeepsTheRun()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("wise-owl-1", RunStatus.Done, TimeSpan.FromMinutes(5));

        var (added, addOutput) = await home.RunAsync("tags", "add", "v1.0", "wise-owl-1");
        var (_, listOutput) = await home.RunAsync("tags", "list");
        var (again, againOutput) = await home.RunAsync("tags", "add", "v1.0", "wise-owl-1");
        var (deleted, _) = await home.RunAsync("tags", "delete", "v1.0", "-y");

        Assert.Equal(ExitCodes.Ok, added);
        Assert.Contains("v1.0", addOutput, StringComparison.Ordinal);
        Assert.Contains("wise-owl-1", listOutput, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.RunFailure, again);
        Assert.Contains("exists already", againOutput, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, deleted);
        Assert.False(File.Exists(Path.Combine(home.Storage.Root, "tags", "v1.0.json")));
        Assert.NotNull(await home.Manifests.ReadAsync("wise-owl-1"));
    }

    [Theory]
    [InlineData(new[] { "tags", "add", "../evil", "wise-owl-1" }, "not a valid tag")]
    [InlineData(new[] { "tags", "add", "t1", "no-such-run-9" }, "not found")]
    [InlineData(new[] { "tags", "add", "t1" }, "either a RUN")]
    [InlineData(new[] { "tags", "add", "t1", "-a", "no/such/folder" }, "no such file or folder")]
    [InlineData(new[] { "tags", "delete", "nope", "-y" }, "no tag 'nope'")]
    [InlineData(new[] { "artifacts", "list", ":nope" }, "no tag 'nope'")]
    [InlineData(new[] { "secrets", "add", "1BAD", "x" }, "not a valid secret name")]
    [InlineData(new[] { "secrets", "delete", "NOPE", "-y" }, "no secret 'NOPE'")]
    public async Task Commands_BadInput_ClearMessageAndNonZeroExit(string[] args, string expected)
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync(args);

        Assert.NotEqual(ExitCodes.Ok, exitCode);
        Assert.Contains(expected, string.Join(' ', output.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "tags", "add", "bad/tag", "wise-owl-1" }, "not a valid tag")]
    [InlineData(new[] { "secrets", "add", "bad-name!", "v" }, "not a valid secret name")]
    [InlineData(new[] { "secrets", "add", "PATH", "/evil" }, "'PATH' cannot be a secret's name")]
    [InlineData(new[] { "secrets", "add", "LD_PRELOAD", "/evil.so" }, "'LD_PRELOAD' cannot be a secret's name")]
    [InlineData(new[] { "secrets", "add", "DSTACK_RUN_NAME", "x" }, "'DSTACK_RUN_NAME' cannot be a secret's name")]
    [InlineData(new[] { "ps", "--bogus" }, "unknown option '--bogus'")]
    [InlineData(new[] { "logs", "-z" }, "unknown option '-z'")]
    [InlineData(new[] { "stop", "--everything", "-y" }, "unknown option '--everything'")]
    public async Task Commands_CommandLineMistake_ExitTwoWithMessage(string[] args, string expected)
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync(args);

        Assert.True(exitCode == ExitCodes.ConfigOrUsage, $"exit {exitCode}: {output}");
        Assert.Contains(expected, string.Join(' ', output.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(home.Storage.Root, "secrets")) && Directory.EnumerateFiles(Path.Combine(home.Storage.Root, "secrets")).Any(), "a refused secret was stored");
    }

    [Fact]
    public async Task SecretsAdd_KeyFileThatCannotBeWritten_OneLineErrorExitOne()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        // A folder where the key file should be: no command expects it, so this checks the fallback every command has
        // for files it cannot read or write (it holds under root, unlike a permission).
        Directory.CreateDirectory(Path.Combine(home.Root, "secrets.key"));

        var (exitCode, output) = await home.RunAsync("secrets", "add", "HF_TOKEN", "v");

        Assert.True(exitCode == ExitCodes.RunFailure, $"exit {exitCode}: {output}");
        Assert.Contains("error:", output, StringComparison.Ordinal);
        Assert.Contains("secrets.key", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoSuchWorkflow_ExitTwoNamingTheOnesThere()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        using var repo = new TempRepo("workflows:\n  - name: train\n    provider: bash\n    commands: [echo hi]\n");

        var (exitCode, output) = await home.RunAsync("run", "nosuchwf", "--repo", repo.Root);

        Assert.True(exitCode == ExitCodes.ConfigOrUsage, $"exit {exitCode}: {output}");
        Assert.Contains("no workflow 'nosuchwf'", output, StringComparison.Ordinal);
        Assert.Contains("train", output, StringComparison.Ordinal);
    }
}
