namespace Dstack.Core.Settings;

/// <summary>One problem in the user config.</summary>
/// <param name="File">The config file (absolute).</param>
/// <param name="Line">1-based line, or 0 for the file as a whole.</param>
/// <param name="Column">1-based column, or 0 when <paramref name="Line"/> is 0.</param>
/// <param name="Key">The key path, e.g. <c>backends[1].hosts[0].port</c>; empty for the document.</param>
/// <param name="Message">What was expected and what was found.</param>
public sealed record SettingsError(string File, int Line, int Column, string Key, string Message)
{
    /// <summary>Formats the error as <c>file:line:col: key: message</c>.</summary>
    public override string ToString()
    {
        var location = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        return Key.Length > 0 ? $"{location}: {Key}: {Message}" : $"{location}: {Message}";
    }
}
