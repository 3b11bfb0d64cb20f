namespace Dstack.Cli;

/// <summary>The exit codes of <c>dstack</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A run (or another operation) failed.</summary>
    public const int RunFailure = 1;

    /// <summary>Invalid configuration or command line.</summary>
    public const int ConfigOrUsage = 2;
}
