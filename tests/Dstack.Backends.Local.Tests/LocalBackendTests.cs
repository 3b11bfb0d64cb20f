using Dstack.Core.Runs;
using Microsoft.Extensions.DependencyInjection;
using Dstack.Core.Backends;

namespace Dstack.Backends.Local.Tests;

public sealed class LocalBackendTests : IAsyncLifetime
{
    private readonly TestHome _home = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _home.CleanupAsync();

    // A detector whose nvidia-smi does not exist sees no GPU, whatever this machine has.
    private LocalBackend Backend() => new(new LocalBackendOptions(_home.Path), new MachineDetector("/nonexistent/nvidia-smi"));

    [Fact]
    public async Task GetOffersAsync_NoRequirement_OneFreeLocalOffer()
    {
        var search = await Backend().GetOffersAsync(ResourceRequest.None);

        var offer = Assert.Single(search.Offers);
        Assert.Empty(search.Rejections);
        Assert.Equal(("local", "local", "local", 0m, false), (offer.Backend, offer.Region, offer.InstanceType, offer.PricePerHour!.Value, offer.Spot));
        Assert.Equal(Environment.ProcessorCount, offer.Resources.Cpus);
        Assert.True(offer.Resources.MemoryBytes > 0);
        Assert.True(offer.Resources.DiskBytes > 0);
        Assert.Empty(offer.Resources.Gpus);
    }

    [Fact]
    public async Task GetOffersAsync_GpuOnGpulessMachine_RejectsWithAdvice()
    {
        var search = await Backend().GetOffersAsync(new ResourceRequest { GpuCountMin = 1, Summary = "gpu: 1" });

        Assert.Empty(search.Offers);
        var rejection = Assert.Single(search.Rejections);
        Assert.Contains("asked for 1 GPU, has 0", rejection, StringComparison.Ordinal);
        Assert.Contains("gpu: 1", rejection, StringComparison.Ordinal);
        Assert.Contains("no GPU", rejection, StringComparison.Ordinal);
        Assert.Contains("remote backend (ssh or aws)", rejection, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_home.Path, "config.yml"), rejection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvisionConnectRelease_Idempotent_ShellInInstanceFolder()
    {
        var backend = Backend();
        var offer = Assert.Single((await backend.GetOffersAsync(ResourceRequest.None)).Offers);

        var first = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-1-attempt-1", "run"));
        var second = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-1-attempt-1", "run"));
        await using var shell = await backend.ConnectAsync(first);
        var result = await shell.RunAsync("pwd");
        await backend.ReleaseAsync(first);

        Assert.Equal(first, second);
        Assert.Equal("local", first.InstanceId);
        Assert.Equal(Path.Combine(_home.Path, "instance"), shell.DstackDirectory);
        Assert.Equal(shell.DstackDirectory + "\n", result.Stdout);
    }

    [Fact]
    public void AddLocalBackend_RegistersBackend()
    {
        var services = new ServiceCollection().AddLocalBackend(new LocalBackendOptions(_home.Path));

        Assert.Equal(typeof(LocalBackend), Assert.Single(services, d => d.ServiceType == typeof(IBackend)).ImplementationType);
    }
}
