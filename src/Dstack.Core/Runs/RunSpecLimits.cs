namespace Dstack.Core.Runs;

/// <summary>
/// How big a run may be where it meets Temporal. A run's spec is the workflow's input and part of the input of every job
/// activity (several per machine attempt), so all of it is recorded in the run's history again and again; Temporal refuses
/// any single payload over the server's blob size limit, and suggests continuing as new once a history passes 4 MiB.
/// </summary>
public static class RunSpecLimits
{
    /// <summary>Temporal's default limit of one payload (<c>limit.blobSize.error</c>, 2 MiB), enforced by every server.</summary>
    public const int PayloadBytes = 2 * 1024 * 1024;

    /// <summary>
    /// Above this estimate (<see cref="RunScript.EstimatedJsonBytes"/>), a run's <see cref="RunScript"/> goes to storage and
    /// only its hash travels in the spec. Small scripts stay inline, where the Temporal Web UI shows them with the run.
    /// </summary>
    public const int InlineScriptBytes = 16 * 1024;

    /// <summary>
    /// The most a spec may take without its script: an eighth of the payload limit, so that the workflow's input and the
    /// job activities' inputs of a whole attempt together stay within one payload's worth of history.
    /// </summary>
    public const int InlineSpecBytes = PayloadBytes / 8;
}
