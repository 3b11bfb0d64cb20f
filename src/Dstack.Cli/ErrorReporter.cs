using Dstack.Core;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Secrets;
using Dstack.Core.Tags;
using Spectre.Console;

namespace Dstack.Cli;

/// <summary>The one place that turns a <see cref="DstackException"/> into a message and an exit code.</summary>
internal static class ErrorReporter
{
    public static int Report(IAnsiConsole console, DstackException exception)
    {
        switch (exception)
        {
            case ConfigurationException config:
                // Raw lines, not markup: they must stay on one line each (file:line:col: ...) for editors and grep.
                foreach (var error in config.Errors)
                {
                    console.Profile.Out.Writer.WriteLine(error.ToString());
                }

                var count = config.Errors.Count;
                console.MarkupLine($"[red]{count} configuration {(count == 1 ? "error" : "errors")}[/]");

                // dstack's own settings (config.yml, the Temporal profile, DSTACK_* variables) have always failed the
                // command with 1, as any other operation that cannot start; scripts may tell the two apart.
                return config.Kind == ConfigurationKind.Settings ? ExitCodes.RunFailure : ExitCodes.ConfigOrUsage;

            // A workflow that does not exist, a bad secret or tag name, options that contradict each other: the command
            // line is wrong, as the README's exit codes say.
            case RunSpecException or SecretException { IsBadName: true } or TagException { IsBadName: true }:
                console.MarkupLineInterpolated($"[red]error:[/] {exception.Message}");
                return ExitCodes.ConfigOrUsage;

            case CommandException command:
                console.MarkupLineInterpolated($"[red]error:[/] {command.Message}");
                return command.ExitCode;

            default:
                console.MarkupLineInterpolated($"[red]error:[/] {exception.Message}");
                return ExitCodes.RunFailure;
        }
    }
}
