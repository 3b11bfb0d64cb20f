namespace Dstack.Backends.Local;

/// <summary>Settings of the local backend.</summary>
/// <param name="DstackHome">The dstack folder (<c>DSTACK_HOME</c>): jobs and environments go to its <c>instance</c> folder.</param>
public sealed record LocalBackendOptions(string DstackHome);
