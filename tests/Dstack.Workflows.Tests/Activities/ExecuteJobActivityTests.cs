using System.Text;
using Dstack.Backends.Local;
using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows.Activities;
using Dstack.Workflows.Contracts;
using Temporalio.Converters;
using Temporalio.Testing;

namespace Dstack.Workflows.Tests.Activities;

/// <summary>
/// The job activity on its own (Temporal's <see cref="ActivityEnvironment"/>) with this machine as the shell: how an
/// attempt that follows a lost one re-attaches to the job from the offset the lost one heartbeated.
/// </summary>
public sealed class ExecuteJobActivityTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("dstack-execute-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task ExecuteJob_RetriedWithAHeartbeatOffset_ReattachesWithoutRestartingAndStoresFromThatOffset()
    {
        var storage = new LocalStorage(Path.Combine(_home, "storage"));
        var backend = new LocalBackend(new LocalBackendOptions(_home), new MachineDetector());
        var activities = new RunActivities(new BackendRegistry([backend]), storage);
        var starts = Path.Combine(_home, "starts");
        var spec = await EmptyCode.BashRunAsync(storage, "resume-1", $"echo started >> {starts}", "for i in 1 2 3 4 5; do echo line-$i; done");
        var offer = Assert.Single((await backend.GetOffersAsync(ResourceRequest.None)).Offers);
        var environment = new ActivityEnvironment();
        var instance = await environment.RunAsync(() => activities.ProvisionAsync(new ProvisionInput(offer, "resume-1-1-1-0", spec.RunName)));
        var job = new JobInput(spec, instance, 1);
        await environment.RunAsync(() => activities.PrepareJobAsync(job));
        var first = await environment.RunAsync(() => activities.ExecuteJobAsync(job));
        Assert.Equal(0, first.ExitCode);
        Assert.Equal("line-1\nline-2\nline-3\nline-4\nline-5\n", await ReadLogAsync(storage, spec.RunName));

        // Another worker's attempt after one that stored two lines (written in capitals here, to tell them apart) and
        // heartbeated their length before it was lost: it must go on from there, neither restarting the job nor
        // storing those lines again.
        var resumedStorage = new LocalStorage(Path.Combine(_home, "storage-2"));
        var stored = Encoding.UTF8.GetBytes("LINE-1\nLINE-2\n");
        await new LogStore(resumedStorage).AppendAsync(spec.RunName, StorageLayout.MainJob, 0, stored);
        var resumed = new ActivityEnvironment
        {
            Info = ActivityEnvironment.DefaultInfo with { Attempt = 2, HeartbeatDetails = [DataConverter.Default.PayloadConverter.ToPayload((long)stored.Length)] },
        };
        var second = await resumed.RunAsync(() => new RunActivities(new BackendRegistry([backend]), resumedStorage).ExecuteJobAsync(job));

        Assert.Equal(0, second.ExitCode);
        Assert.Equal("LINE-1\nLINE-2\nline-3\nline-4\nline-5\n", await ReadLogAsync(resumedStorage, spec.RunName));
        Assert.Equal(["started"], await File.ReadAllLinesAsync(starts));
    }

    [Fact]
    public async Task ExecuteJob_AskedToPrepare_PreparesTheJobItselfAndRunsIt_OnceEvenWhenRetried()
    {
        var storage = new LocalStorage(Path.Combine(_home, "storage"));
        var backend = new LocalBackend(new LocalBackendOptions(_home), new MachineDetector());
        var activities = new RunActivities(new BackendRegistry([backend]), storage);
        var starts = Path.Combine(_home, "starts");
        var spec = await EmptyCode.BashRunAsync(storage, "prepared-1", $"echo started >> {starts}", "echo done");
        var offer = Assert.Single((await backend.GetOffersAsync(ResourceRequest.None)).Offers);
        var environment = new ActivityEnvironment();
        var instance = await environment.RunAsync(() => activities.ProvisionAsync(new ProvisionInput(offer, "prepared-1-1-1-0", spec.RunName)));
        var job = new JobInput(spec, instance, 1, Prepare: true);

        var first = await environment.RunAsync(() => activities.ExecuteJobAsync(job));
        var retried = await new ActivityEnvironment { Info = ActivityEnvironment.DefaultInfo with { Attempt = 2 } }.RunAsync(() => activities.ExecuteJobAsync(job));

        Assert.Equal((0, 0), (first.ExitCode, retried.ExitCode));
        Assert.Equal(["started"], await File.ReadAllLinesAsync(starts));
        Assert.Equal("done\n", await ReadLogAsync(storage, spec.RunName));
    }

    private static async Task<string> ReadLogAsync(LocalStorage storage, string run)
    {
        var (data, _) = await new LogStore(storage).ReadAsync(run, StorageLayout.MainJob, 0);
        return Encoding.UTF8.GetString(data);
    }
}
