using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Spectre.Console;

namespace Dstack.Cli;

/// <summary>
/// Prints dstack's version for <c>--version</c>. System.CommandLine's own action reads the entry assembly, which is
/// not dstack when the CLI is hosted (as in tests).
/// </summary>
internal sealed class VersionAction(IAnsiConsole console) : SynchronousCommandLineAction
{
    public static string Version { get; } =
        typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public override int Invoke(ParseResult parseResult)
    {
        console.Profile.Out.Writer.WriteLine(Version);
        return ExitCodes.Ok;
    }
}
