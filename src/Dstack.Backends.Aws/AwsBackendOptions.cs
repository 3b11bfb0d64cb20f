namespace Dstack.Backends.Aws;

/// <summary>Settings of the aws backend.</summary>
/// <param name="DstackHome">The dstack folder: dstack's key pair (<c>ssh/id_rsa</c>) and the instances' pinned host keys (<c>aws/known_hosts</c>).</param>
/// <param name="Regions">The regions allowed, in order of preference (never empty).</param>
/// <param name="Owner">The <c>dstack:owner</c> tag of everything this worker makes.</param>
public sealed record AwsBackendOptions(string DstackHome, IReadOnlyList<string> Regions, string Owner)
{
    /// <summary>Gets the AWS profile, or null for the SDK's default credential chain.</summary>
    public string? Profile { get; init; }

    /// <summary>Gets an EC2-compatible endpoint used instead of AWS's (the tests' emulator), or null.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>
    /// Gets where the worker learns its own address for the SSH ingress rule. <value>The default value is
    /// https://checkip.amazonaws.com, or <c>/checkip</c> of <see cref="Endpoint"/> when one is set.</value>
    /// </summary>
    public Uri CheckIpUrl => Endpoint is null ? new Uri("https://checkip.amazonaws.com") : new Uri(Endpoint, "/checkip");

    /// <summary>Gets the instance metadata service as the instance sees it. <value>The default value is http://169.254.169.254.</value></summary>
    public Uri MetadataEndpoint { get; init; } = new("http://169.254.169.254");

    /// <summary>Gets how long a spot price read from <c>DescribeSpotPriceHistory</c> is reused. <value>The default value is 3 minutes.</value></summary>
    public TimeSpan SpotPriceCacheDuration { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Gets how long a launched instance may take to run and answer SSH. <value>The default value is 10 minutes.</value></summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets how often the instance's state is read while it boots. <value>The default value is 1 second.</value></summary>
    public TimeSpan BootPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the user EC2's Ubuntu images log in as. <value>The default value is <c>ubuntu</c>.</value></summary>
    public string SshUser { get; init; } = "ubuntu";

    /// <summary>Gets the root volume size. <value>The default value is 100 GiB.</value></summary>
    public int RootVolumeGiB { get; init; } = 100;

    /// <summary>Gets the name of the key pair and security group dstack makes in each region. <value>The default value is <c>dstack</c>.</value></summary>
    public string ResourceName { get; init; } = "dstack";

    /// <summary>Gets dstack's private key (made on first use).</summary>
    public string IdentityFile => Path.Combine(DstackHome, "ssh", "id_rsa");
}
