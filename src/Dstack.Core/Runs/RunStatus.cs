namespace Dstack.Core.Runs;

/// <summary>Where a run is: submitted → provisioning (⇄ pending) → (downloading) → running → (uploading) → done | failed | stopped | aborted.</summary>
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

    /// <summary>Waiting in the capacity queue for a slot on a machine dstack has (an SSH host's blocks all taken).</summary>
    Pending,
}
