using Dstack.Core.Runs;

namespace Dstack.Cli.Runs;

/// <summary>
/// A run as the CLI shows it: its manifest in storage merged with what Temporal says while the run is open.
/// Either source may be missing: the manifest before the workflow first writes it, Temporal after a restart or retention.
/// </summary>
internal sealed record RunView
{
    public required string Name { get; init; }

    public string? Workflow { get; init; }

    public required DateTimeOffset SubmittedAt { get; init; }

    /// <summary>Gets Temporal's status while the run is open, else the manifest's.</summary>
    public required RunStatus Status { get; init; }

    public string? Backend { get; init; }

    /// <summary>Gets the repository the run's code came from (<see cref="RepoInfo.RepoId"/>), or null when unknown.</summary>
    public string? Repo { get; init; }

    /// <summary>Gets the manifest, or null when the run has not written one yet.</summary>
    public RunManifest? Manifest { get; init; }

    /// <summary>Gets a value indicating whether Temporal has the run's workflow open.</summary>
    public bool Live { get; init; }

    /// <summary>
    /// Gets a value indicating whether storage says the run is unfinished, yet Temporal answered and has no open
    /// workflow for it: the server was restarted (the embedded one keeps state in memory) or the workflow was
    /// terminated from outside. Such a run never finishes by itself.
    /// </summary>
    public bool Lost { get; init; }

    /// <summary>
    /// Gets how Temporal closed the workflow of a lost run (<c>terminated</c> from the Web UI or <c>temporal workflow
    /// terminate</c>, <c>canceled</c>, <c>timed out</c>), or null when the run is not lost or Temporal no longer knows it
    /// (a restarted embedded server, or past retention).
    /// </summary>
    public string? EndedInTemporal { get; init; }

    /// <summary>Gets the run's place in the capacity queue while it is pending, or null.</summary>
    public QueuePlace? Queue { get; init; }

    /// <summary>Gets a value indicating whether the run may be removed: it finished, or it is lost.</summary>
    public bool CanBeRemoved => Status.IsFinished() || Lost;

    /// <summary>
    /// Gets the status users see: a pending run with its place in the capacity queue; a lost run never reads as running.
    /// It shows how Temporal ended it when Temporal still knows (<c>terminated</c>), else the last status its manifest
    /// recorded, marked lost.
    /// </summary>
    public string StatusText => Lost ? EndedInTemporal ?? $"{Status.ToDisplayName()} (lost)"
        : Queue is { } place ? $"{Status.ToDisplayName()} ({place})"
        : Status.ToDisplayName();
}
