using System.Text.RegularExpressions;
using Dstack.Core.Configuration.Parsing;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Settings;

/// <summary><c>- type: aws</c>: EC2 instances. Credentials come from the AWS SDK's default chain, never from dstack's files.</summary>
/// <param name="Regions">The regions allowed (empty: the profile's region).</param>
/// <param name="Profile">The AWS profile, or null for the default chain.</param>
/// <param name="Endpoint">An EC2-compatible endpoint (the tests' emulator), or null.</param>
/// <param name="SshUser">The user dstack logs in as on its instances (<c>ssh_user</c>), or null for the image's (<c>ubuntu</c>).</param>
public sealed partial record AwsBackendSettings(IReadOnlyList<string> Regions, string? Profile = null, string? Endpoint = null, string? SshUser = null) : BackendSettings("aws")
{
    private static readonly string[] Keys = ["type", "regions", "profile", "endpoint", "ssh_user"];

    /// <summary>Whether <paramref name="name"/> has the form of an AWS region's name, such as us-east-1.</summary>
    internal static bool IsRegion(string name) => RegionRegex().IsMatch(name);

    /// <summary>Reads one <c>- type: aws</c> item of <c>backends:</c>, reporting what is wrong with it to <paramref name="reader"/>.</summary>
    /// <param name="reader">Reads the settings file.</param>
    /// <param name="item">The list item.</param>
    /// <param name="path">The item's key path, e.g. <c>backends[1]</c>.</param>
    internal static AwsBackendSettings Read(NodeReader reader, YamlMappingNode item, string path)
    {
        reader.CheckKeys(item, path, Keys);
        return new AwsBackendSettings(
            reader.Names(item, path, "regions"),
            reader.Text(item, path, "profile"),
            reader.Text(item, path, "endpoint"),
            reader.Text(item, path, "ssh_user"));
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionRegex();
}
