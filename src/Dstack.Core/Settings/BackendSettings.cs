namespace Dstack.Core.Settings;

/// <summary>One entry of the <c>backends:</c> list of the user config.</summary>
/// <param name="Type">The backend's type as written: <c>local</c>, <c>ssh</c> or <c>aws</c>.</param>
public abstract record BackendSettings(string Type);
