namespace Dstack.Core.Settings;

/// <summary><c>- type: local</c>: this machine.</summary>
public sealed record LocalBackendSettings() : BackendSettings("local");
