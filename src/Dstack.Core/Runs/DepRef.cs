namespace Dstack.Core.Runs;

/// <summary>A dependency of a run on the artifacts of another run.</summary>
/// <param name="Kind"><c>workflow</c>, <c>tag</c> or <c>run</c>.</param>
/// <param name="Value">The workflow name, tag or run name.</param>
/// <param name="Run">The exact run used, once resolved (recorded in the manifest); null before.</param>
public sealed record DepRef(string Kind, string Value, string? Run = null)
{
    /// <summary>Gets the dependency as the workflow wrote it, e.g. <c>{workflow: prepare}</c>.</summary>
    public string Display => $"{{{Kind}: {Value}}}";
}
