using System.CommandLine;
using Spectre.Console;
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

    /// <summary>Runs a command line with the context <paramref name="createContext"/> builds for the console.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(Func<IAnsiConsole, CliContext> createContext, params string[] args) =>
        RunAsync(new TestConsole(), createContext, args);

    /// <summary>Runs a command line on <paramref name="console"/> (e.g. an interactive one with input queued).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TestConsole console, Func<IAnsiConsole, CliContext> createContext, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(createContext);
        console.Profile.Width = 200;
        using var output = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = output };

        var exitCode = await DstackCli.RunAsync(args, console, createContext(console), configuration);

        return (exitCode, console.Output + output);
    }
}
