using Spectre.Console;

namespace Dstack.Cli;

/// <summary>
/// Writes a line that must reach the terminal whole. Spectre folds text at the terminal's width, putting line breaks
/// into a word longer than that, and a Web UI link with its login token is such a word: broken in two, the copied link
/// opens nothing. The terminal's own soft wrap leaves it one line to copy or click.
/// </summary>
internal static class WholeLine
{
    public static void Write(IAnsiConsole console, string line) => console.Profile.Out.Writer.WriteLine(line);
}
