using Dstack.Core;

namespace Dstack.Cli;

/// <summary>A command cannot do what was asked; the message says why and what to do instead.</summary>
internal sealed class CommandException(string message, int exitCode = ExitCodes.RunFailure) : DstackException(message)
{
    /// <summary>Gets the exit code the command ends with.</summary>
    public int ExitCode { get; } = exitCode;
}
