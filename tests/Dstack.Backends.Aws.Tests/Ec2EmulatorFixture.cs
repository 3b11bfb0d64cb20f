using Amazon;
using Amazon.EC2;
using Amazon.Runtime;

namespace Dstack.Backends.Aws.Tests;

/// <summary>One emulator (and its namespace hosts) for the tests of a collection; removes every instance's host on dispose.</summary>
public sealed class Ec2EmulatorFixture : IAsyncLifetime
{
    private readonly NetworkHosts _hosts = NetworkHosts.WithHosts(0);

    public Ec2Emulator Emulator { get; private set; } = null!;

    public DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("dstack-aws-tests-");

    /// <summary>The real SDK client, pointed at the emulator for <paramref name="region"/>.</summary>
    public AmazonEC2Client Client(string region = "us-east-1") => new(
        new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
        new AmazonEC2Config { ServiceURL = Emulator.Endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = 0 });

    public async Task InitializeAsync()
    {
        if (Ec2Emulator.Unavailable() is not null)
        {
            return;
        }

        await _hosts.InitializeAsync();
        Emulator = new Ec2Emulator(_hosts);
        await Emulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }

        await _hosts.DisposeAsync();
        Folder.Delete(recursive: true);
    }
}
