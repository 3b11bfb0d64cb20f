namespace Dstack.TemporalServer.WebUi;

/// <summary>The settings' <c>Auth</c>: whether the UI must log in, and with which providers (Go's nil slice is null).</summary>
internal sealed record WebUiAuthSettings(bool Enabled, IReadOnlyList<string>? Options);
