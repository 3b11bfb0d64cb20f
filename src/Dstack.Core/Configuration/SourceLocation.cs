namespace Dstack.Core.Configuration;

/// <summary>Where a workflow is declared.</summary>
/// <param name="File">The file, relative to the repository root.</param>
/// <param name="Line">1-based line of the workflow's list item.</param>
/// <param name="Column">1-based column of the workflow's list item.</param>
public sealed record SourceLocation(string File, int Line, int Column)
{
    /// <summary>Formats the location as <c>file:line:col</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}";
}
