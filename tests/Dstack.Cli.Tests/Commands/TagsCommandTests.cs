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
}
