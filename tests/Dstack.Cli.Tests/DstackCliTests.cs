namespace Dstack.Cli.Tests;

public sealed class DstackCliTests
{
    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var (exitCode, output) = await CliRunner.RunAsync("--version");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.StartsWith("0.1.0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheCommands()
    {
        var (exitCode, output) = await CliRunner.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("validate", output, StringComparison.Ordinal);
        Assert.Contains("schema", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_OfACommand_ListsItsOptions()
    {
        var (exitCode, output) = await CliRunner.RunAsync("validate", "--help");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("--repo", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_IsAUsageError()
    {
        var (exitCode, output) = await CliRunner.RunAsync("frobnicate");

        Assert.Equal(ExitCodes.ConfigOrUsage, exitCode);
        Assert.Contains("frobnicate", output, StringComparison.Ordinal);
    }
}
