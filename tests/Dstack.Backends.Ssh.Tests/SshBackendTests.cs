using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Dstack.Core.Runs;

namespace Dstack.Backends.Ssh.Tests;

[Collection(HostsCollection.Name)]
public sealed class SshBackendTests(NetworkHosts hosts) : IDisposable
{
    private readonly TestSession _session = new(hosts);

    public void Dispose() => _session.Dispose();

    private SshBackend Backend => new(_session.Options, _session.Pool);

    [SshFact]
    public async Task GetOffersAsync_IdleHosts_OneFreeOfferEachWithDetectedResources()
    {
        var search = await Backend.GetOffersAsync(ResourceRequest.None);

        Assert.Equal(hosts.Hosts.Select(h => $"root@{h.Address}:22"), search.Offers.Select(o => o.InstanceType));
        Assert.All(search.Offers, o =>
        {
            Assert.Equal("ssh", o.Backend);
            Assert.Equal(0m, o.PricePerHour);
            // nproc on the host, not Environment.ProcessorCount here: a CPU quota can make them differ.
            Assert.True(o.Resources.Cpus > 0);
            Assert.True(o.Resources.MemoryBytes > 0);
            Assert.True(o.Resources.DiskBytes > 0);
        });
    }

    [SshFact]
    public async Task GetOffersAsync_TooManyCpus_RejectedWithWhatTheHostHas()
    {
        var search = await Backend.GetOffersAsync(new ResourceRequest { CpuMin = 10_000 });

        Assert.Empty(search.Offers);
        Assert.Equal(hosts.Hosts.Count, search.Rejections.Count);
        Assert.Contains("asked for 10000 CPUs", search.Rejections[0], StringComparison.Ordinal);
    }

    [SshFact]
    public async Task ProvisionAsync_SameTokenTwice_SameHostAndOtherTokenGetsNoCapacityUntilReleased()
    {
        var backend = Backend;
        var offer = (await backend.GetOffersAsync(ResourceRequest.None)).Offers[0];

        var first = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-a-1-0", "run"));
        var again = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-a-1-0", "run"));
        var busy = await Assert.ThrowsAsync<NoCapacityException>(() => backend.ProvisionAsync(new ProvisionRequest(offer, "run-b-1-0", "run")));
        var offers = await backend.GetOffersAsync(ResourceRequest.None);

        Assert.Equal(first, again);
        Assert.Contains("busy with run-a-1-0", busy.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(offers.Offers, o => o.InstanceType == offer.InstanceType);
        Assert.Contains(offers.Rejections, r => r.Contains("busy with run-a-1-0", StringComparison.Ordinal));

        await backend.ReleaseAsync(first);
        await backend.ReleaseAsync(first);
        var next = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-b-1-0", "run"));
        Assert.Equal(offer.InstanceType, next.Offer.InstanceType);
        await backend.ReleaseAsync(next);
    }

    [SshFact]
    public async Task ReleaseScript_AfterTheJobsCleanUp_RemovesTheJobFolderAndTheClaimInOneCommand()
    {
        var backend = Backend;
        var offer = (await backend.GetOffersAsync(ResourceRequest.None)).Offers[0];
        var instance = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-r-1-0", "run"));
        var shell = await backend.ConnectAsync(instance);
        var job = await _session.PrepareJobAsync(shell, "run-r", "echo done\n");
        await job.StartAsync();
        await using (var follower = job.Follow())
        {
            Assert.Equal(LockWait.Unlocked, await follower.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        }

        await job.CleanupAsync(((IReleasedOnTheMachine)backend).ReleaseScript(instance, shell.DstackDirectory));

        Assert.False(Directory.Exists(job.JobDirectory));
        Assert.Contains((await backend.GetOffersAsync(ResourceRequest.None)).Offers, o => o.InstanceType == offer.InstanceType);
        var next = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-s-1-0", "run"));
        await backend.ReleaseAsync(instance);
        Assert.Contains("busy with run-s-1-0", (await Assert.ThrowsAsync<NoCapacityException>(() => backend.ProvisionAsync(new ProvisionRequest(offer, "run-t-1-0", "run")))).Message, StringComparison.Ordinal);
        await backend.ReleaseAsync(next);
    }

    [SshFact]
    public async Task ProvisionAsync_ClaimFileOlderThanTheStaleAgeOnAnIdleHost_IsTakenOver()
    {
        var backend = Backend;
        var offer = (await backend.GetOffersAsync(ResourceRequest.None)).Offers[0];
        var shell = await backend.ConnectAsync(new Instance("ssh", offer.InstanceType + "/probe", offer));
        var claims = Directory.CreateDirectory(Path.Combine(shell.DstackDirectory, "claims")).FullName;
        var takenAt = DateTimeOffset.UtcNow - _session.Options.StaleClaimAge - TimeSpan.FromMinutes(1);
        await File.WriteAllTextAsync(Path.Combine(claims, "0"), $"lost-run-1-0-0\n{takenAt.ToUnixTimeSeconds()}\n");

        var instance = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-n-1-0", "run"));

        Assert.Equal("run-n-1-0", (await File.ReadAllLinesAsync(Path.Combine(claims, "0")))[0]);
        var busy = await Assert.ThrowsAsync<NoCapacityException>(() => backend.ProvisionAsync(new ProvisionRequest(offer, "run-o-1-0", "run")));
        Assert.Contains("busy with run-n-1-0", busy.Message, StringComparison.Ordinal);
        await backend.ReleaseAsync(instance);
        Assert.Empty(Directory.EnumerateFileSystemEntries(claims));
    }

    [SshFact]
    public async Task ProvisionAsync_FolderClaimOfAnOlderDstack_IsHonouredAndReleased()
    {
        var backend = Backend;
        var offer = (await backend.GetOffersAsync(ResourceRequest.None)).Offers[0];
        var older = new Instance("ssh", offer.InstanceType + "/old-run-1-0-0", offer);
        var shell = await backend.ConnectAsync(older);
        var claim = Directory.CreateDirectory(Path.Combine(shell.DstackDirectory, "claims", "0")).FullName;
        await File.WriteAllTextAsync(Path.Combine(claim, "token"), "old-run-1-0-0\n");

        var busy = await Assert.ThrowsAsync<NoCapacityException>(() => backend.ProvisionAsync(new ProvisionRequest(offer, "run-p-1-0", "run")));
        Assert.Contains("busy with old-run-1-0-0", busy.Message, StringComparison.Ordinal);
        Assert.Equal(older, await backend.ProvisionAsync(new ProvisionRequest(offer, "old-run-1-0-0", "run")));

        await backend.ReleaseAsync(older);
        Assert.False(Directory.Exists(claim));
        await backend.ReleaseAsync(await backend.ProvisionAsync(new ProvisionRequest(offer, "run-p-1-0", "run")));
    }

    [SshFact]
    public async Task ProvisionAsync_HostWithTwoBlocks_TakesTwoRunsAndRefusesTheThird()
    {
        var options = _session.Options with { Hosts = [_session.Options.Hosts[1] with { Blocks = 2 }] };
        var backend = new SshBackend(options, new SshConnectionPool(options, _session.KnownHosts));
        var offer = Assert.Single((await backend.GetOffersAsync(ResourceRequest.None)).Offers);
        Assert.Equal("available (2 of 2 blocks free)", offer.Availability);

        var first = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-a-1-0", "run"));
        Assert.Equal("available (1 of 2 blocks free)", Assert.Single((await backend.GetOffersAsync(ResourceRequest.None)).Offers).Availability);
        var second = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-b-1-0", "run"));
        var again = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-b-1-0", "run"));
        var busy = await Assert.ThrowsAsync<NoCapacityException>(() => backend.ProvisionAsync(new ProvisionRequest(offer, "run-c-1-0", "run")));
        var full = await backend.GetOffersAsync(ResourceRequest.None);

        Assert.Equal(second, again);
        Assert.Contains("busy with run-a-1-0, run-b-1-0", busy.Message, StringComparison.Ordinal);
        Assert.Empty(full.Offers);

        await backend.ReleaseAsync(first);
        var third = await backend.ProvisionAsync(new ProvisionRequest(offer, "run-c-1-0", "run"));
        await backend.ReleaseAsync(second);
        await backend.ReleaseAsync(third);
        Assert.Equal("available (2 of 2 blocks free)", Assert.Single((await backend.GetOffersAsync(ResourceRequest.None)).Offers).Availability);
    }

    [SshFact]
    public async Task GetOffersAsync_HostWithoutIdentityFile_DstackMakesItsOwnKeyAndSaysWhereItGoes()
    {
        var host = hosts.Hosts[2];
        var options = _session.Options with { Hosts = [hosts.Settings(host) with { IdentityFile = null }] };
        using var pool = new SshConnectionPool(options, _session.KnownHosts);
        var backend = new SshBackend(options, pool);

        var refused = await backend.GetOffersAsync(ResourceRequest.None);

        var publicKey = await File.ReadAllTextAsync(options.DefaultIdentityFile + ".pub");
        Assert.StartsWith("ssh-rsa ", publicKey, StringComparison.Ordinal);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("ssh hosts in network namespaces need Linux");
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(options.DefaultIdentityFile));
        var rejection = Assert.Single(refused.Rejections);
        Assert.Contains($"refused dstack's own key {options.DefaultIdentityFile}", rejection, StringComparison.Ordinal);
        Assert.Contains(publicKey.Trim(), rejection, StringComparison.Ordinal);

        // Once the host authorizes it (as the message says), the same key, not a new one, gets in.
        var authorized = Path.Combine(host.Folder, "authorized_keys");
        var before = await File.ReadAllTextAsync(authorized);
        await File.AppendAllTextAsync(authorized, publicKey);
        try
        {
            using var fresh = new SshConnectionPool(options, _session.KnownHosts);
            var offer = Assert.Single((await new SshBackend(options, fresh).GetOffersAsync(ResourceRequest.None)).Offers);
            Assert.Equal($"root@{host.Address}:22", offer.InstanceType);
            Assert.Equal(publicKey, await File.ReadAllTextAsync(options.DefaultIdentityFile + ".pub"));
        }
        finally
        {
            await File.WriteAllTextAsync(authorized, before);
        }
    }

    [SshFact]
    public async Task GetOffersAsync_WrongKey_RejectionSaysTheHostRefusedTheKey()
    {
        using var stranger = new TestSession(hosts, hosts.StrangerKey);

        var search = await new SshBackend(stranger.Options, stranger.Pool).GetOffersAsync(ResourceRequest.None);

        Assert.Empty(search.Offers);
        Assert.Equal(hosts.Hosts.Count, search.Rejections.Count);
        Assert.All(search.Rejections, r => Assert.Contains("refused the key", r, StringComparison.Ordinal));
    }

    [SshFact]
    public void SshMachineDetector_Parse_ReadsCpusMemoryDiskAndGpus()
    {
        var machine = SshMachineDetector.Parse("cpus 8\nmemory 16384\ndisk 2048\ngpu NVIDIA A100-SXM4-80GB, 81920\ngpu Tesla T4, 15360\n");

        Assert.Equal(8, machine.Cpus);
        Assert.Equal(16384L * 1024, machine.MemoryBytes);
        Assert.Equal(2048L * 1024, machine.DiskBytes);
        Assert.Equal([new GpuInfo("NVIDIA A100-SXM4-80GB", 81920L << 20), new GpuInfo("Tesla T4", 15360L << 20)], machine.Gpus);
    }
}
