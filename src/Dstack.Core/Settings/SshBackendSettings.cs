namespace Dstack.Core.Settings;

/// <summary><c>- type: ssh</c>: hosts the user lists.</summary>
/// <param name="Hosts">The hosts.</param>
public sealed record SshBackendSettings(IReadOnlyList<SshHostSettings> Hosts) : BackendSettings("ssh");
