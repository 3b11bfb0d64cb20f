namespace Dstack.Core.Configuration;

/// <summary>One problem in a configuration: a workflows file, dstack's settings file or an environment variable.</summary>
/// <param name="File">
/// The file: a workflows file relative to the repository root (forward slashes), a settings file absolute; or where a
/// value came from that is not a file, such as <c>environment variable NAME</c>.
/// </param>
/// <param name="Line">1-based line, or 0 when the error concerns the file (or its absence) as a whole.</param>
/// <param name="Column">1-based column, or 0 when <paramref name="Line"/> is 0.</param>
/// <param name="Path">The key path, e.g. <c>workflows[2].resources.gpu.memory</c>; empty for the document itself.</param>
/// <param name="Message">What was expected and what was found.</param>
public sealed record ConfigError(string File, int Line, int Column, string Path, string Message)
{
    /// <summary>Formats the error as <c>file:line:col: key.path: message</c>.</summary>
    public override string ToString()
    {
        var location = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        return Path.Length > 0 ? $"{location}: {Path}: {Message}" : $"{location}: {Message}";
    }
}
