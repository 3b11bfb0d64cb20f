using System.CommandLine;
using Spectre.Console.Testing;

namespace Dstack.Cli.Tests;

/// <summary>Runs a command line through the real root command, capturing what it writes.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var console = new TestConsole();
        console.Profile.Width = 200;
        using var output = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = output };

        var exitCode = await DstackCli.RunAsync(args, console, configuration);

        return (exitCode, console.Output + output);
    }
}
