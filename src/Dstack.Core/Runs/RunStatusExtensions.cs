namespace Dstack.Core.Runs;

/// <summary>Names and classes of <see cref="RunStatus"/>.</summary>
public static class RunStatusExtensions
{
    /// <summary>Gets the lower-case name users see (<c>running</c>, <c>done</c>).</summary>
    public static string ToDisplayName(this RunStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>True for statuses a run never leaves.</summary>
    public static bool IsFinished(this RunStatus status) =>
        status is RunStatus.Done or RunStatus.Failed or RunStatus.Stopped or RunStatus.Aborted;
}
