namespace Dstack.Core.Settings;

/// <summary><c>- type: ssh</c>: hosts the user lists.</summary>
/// <param name="Hosts">The hosts.</param>
/// <param name="GracePeriod">
/// How long a host running a job may stay unreachable before the run fails with <c>instance-unreachable</c>
/// (<c>grace_period</c>), or null for the worker's default.
/// </param>
public sealed record SshBackendSettings(IReadOnlyList<SshHostSettings> Hosts, TimeSpan? GracePeriod = null) : BackendSettings("ssh");
