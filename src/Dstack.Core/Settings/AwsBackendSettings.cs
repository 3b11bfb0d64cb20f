namespace Dstack.Core.Settings;

/// <summary><c>- type: aws</c>: EC2 instances. Credentials come from the AWS SDK's default chain, never from dstack's files.</summary>
/// <param name="Regions">The regions allowed (empty: the profile's region).</param>
/// <param name="Profile">The AWS profile, or null for the default chain.</param>
/// <param name="Endpoint">An EC2-compatible endpoint (the tests' emulator), or null.</param>
/// <param name="SshUser">The user dstack logs in as on its instances (<c>ssh_user</c>), or null for the image's (<c>ubuntu</c>).</param>
public sealed record AwsBackendSettings(IReadOnlyList<string> Regions, string? Profile = null, string? Endpoint = null, string? SshUser = null) : BackendSettings("aws");
