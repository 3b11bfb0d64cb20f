using Spectre.Console;

namespace Dstack.Cli;

/// <summary>Asks before a command changes or deletes runs; scripts pass <c>-y</c> instead.</summary>
internal static class Confirmation
{
    /// <summary>Returns true when the user confirms, or at once when <paramref name="assumeYes"/> is set.</summary>
    /// <exception cref="CommandException">Nobody can answer (the input is not a terminal) and <c>-y</c> was not passed.</exception>
    public static async Task<bool> ConfirmAsync(IAnsiConsole console, string question, bool assumeYes, CancellationToken cancellationToken)
    {
        if (assumeYes)
        {
            return true;
        }

        if (!console.Profile.Capabilities.Interactive)
        {
            throw new CommandException($"{question} The terminal is not interactive: pass -y to confirm.", ExitCodes.ConfigOrUsage);
        }

        var prompt = new ConfirmationPrompt(question.EscapeMarkup()) { DefaultValue = false };
        return await prompt.ShowAsync(console, cancellationToken);
    }
}
