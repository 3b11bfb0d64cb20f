namespace Dstack.Cli.Tests.Commands;

public sealed class HelpTests
{
    [Theory]
    [InlineData("init", "--repo")]
    [InlineData("ps", "--all")]
    [InlineData("ps", "--json")]
    [InlineData("logs", "--follow")]
    [InlineData("stop", "--abort")]
    [InlineData("stop", "--yes")]
    [InlineData("rm", "--all")]
    [InlineData("artifacts", "download")]
    [InlineData("artifacts download", "--output")]
    public async Task Help_OfACommand_ListsItsOptions(string command, string option)
    {
        var (exitCode, output) = await CliRunner.RunAsync([.. command.Split(' '), "--help"]);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains(option, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_OfWorker_PointsToTheConnectionSettings()
    {
        var (exitCode, output) = await CliRunner.RunAsync("worker", "--help");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("\"Temporal connection settings\" in dstack's README", string.Join(' ', output.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
