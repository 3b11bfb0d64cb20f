namespace Dstack.EndToEnd.Tests;

/// <summary>
/// The EC2 emulator and its namespace hosts, shared by the aws tests. On dispose it checks the suite's bill: no
/// instance may still be running (billed) once every run is over.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AwsWorld : IAsyncLifetime, ICollectionFixture<AwsWorld>
{
    public const string Name = "aws";
    private readonly NetworkHosts _hosts = NetworkHosts.WithHosts(0);

    public Ec2Emulator Emulator { get; private set; } = null!;

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
        var live = Emulator?.Ledger.Where(e => e.Live).ToList() ?? [];
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }

        await _hosts.DisposeAsync();
        if (live.Count > 0)
        {
            throw new InvalidOperationException($"Instances still billed after the aws tests: {string.Join(", ", live.Select(e => $"{e.InstanceId} ({e.Run})"))}");
        }
    }
}
