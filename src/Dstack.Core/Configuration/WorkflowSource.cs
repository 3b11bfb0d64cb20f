namespace Dstack.Core.Configuration;

/// <summary>The text of one workflows file.</summary>
/// <param name="File">The name errors use, relative to the repository root (e.g. <c>.dstack/workflows.yaml</c>).</param>
/// <param name="Text">The YAML text.</param>
public sealed record WorkflowSource(string File, string Text);
