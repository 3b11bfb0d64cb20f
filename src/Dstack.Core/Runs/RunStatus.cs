namespace Dstack.Core.Runs;

/// <summary>Where a run is: submitted → provisioning → (downloading) → running → (uploading) → done | failed | stopped | aborted.</summary>
public enum RunStatus
{
    Submitted,
    Provisioning,
    Downloading,
    Running,
    Uploading,
    Interrupted,
    Done,
    Failed,
    Stopped,
    Aborted,
}
