using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net.Sockets;
using System.Net;
using System.Text;
using Dstack.Core.Artifacts;
using Dstack.Core.Backends;
using Dstack.Core.Code;
using Dstack.Core.Configuration;
using Dstack.Core.Instances;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.TemporalServer.Hosting;
using Dstack.Workflows;
using Spectre.Console.Testing;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Common;

namespace Dstack.Cli.Tests;

/// <summary>
/// A temporary DSTACK_HOME with real local storage, and either the embedded Temporal server in-process or an address
/// where nothing answers. Commands run through the real composition (<see cref="CliContext.CreateDefault"/>).
/// </summary>
internal sealed class TestHome : IAsyncDisposable
{
    private readonly EmbeddedTemporalServer? _server;
    private readonly List<int> _jobs = [];

    private TestHome(EmbeddedTemporalServer? server, string temporalAddress, TemporalClient? client)
    {
        _server = server;
        TemporalAddress = temporalAddress;
        Client = client;
        Storage = new LocalStorage(Path.Combine(Root, "storage"));
        Manifests = new ManifestStore(Storage);
        Logs = new LogStore(Storage);
        Artifacts = new ArtifactStore(Storage);
    }

    /// <summary>The repository of the runs <see cref="AddRunAsync"/> writes, and the one commands are in.</summary>
    public const string RepoId = "github.com/acme/models";

    public string Root { get; } = Directory.CreateTempSubdirectory("dstack-home-").FullName;

    public string TemporalAddress { get; }

    /// <summary>Gets a client of the embedded server, or null when Temporal is down.</summary>
    public TemporalClient? Client { get; }

    public LocalStorage Storage { get; }

    public ManifestStore Manifests { get; }

    public LogStore Logs { get; }

    public ArtifactStore Artifacts { get; }

    /// <summary>Gets the storage the commands use; a test may wrap <see cref="Storage"/> to watch them.</summary>
    public IStorage? CommandStorage { get; set; }

    /// <summary>A home whose Temporal address has nothing listening.</summary>
    public static Task<TestHome> WithoutTemporalAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return Task.FromResult(new TestHome(null, $"127.0.0.1:{port}", null));
    }

    /// <summary>A home with the embedded Temporal server running, dstack's search attributes registered.</summary>
    public static async Task<TestHome> WithTemporalAsync()
    {
        var server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
        {
            foreach (var key in DstackSearchAttributes.All)
            {
                options.SearchAttributes[key.Name] = key.ValueType;
            }
        });
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });
        return new TestHome(server, server.Address, client);
    }

    public string? Variable(string name) => name switch
    {
        "HOME" => Root,
        "DSTACK_HOME" => Root,
        "DSTACK_TEMPORAL_ADDRESS" => TemporalAddress,
        _ => null,
    };

    public CliContext CreateContext(IAnsiConsole console)
    {
        // The tests' process runs in this checkout, not in the repository of the runs AddRunAsync writes: without
        // --repo, commands are in that one.
        var context = CliContext.CreateDefault(console, Variable) with
        {
            ReadRepoIdAsync = (folder, cancellationToken) =>
                folder is null ? Task.FromResult(RepoId) : new CodeSnapshotter().ReadRepoIdAsync(folder, cancellationToken),
        };
        return CommandStorage is { } storage ? context with { OpenStorageAsync = _ => Task.FromResult(storage) } : context;
    }

    public Task<(int ExitCode, string Output)> RunAsync(params string[] args) => CliRunner.RunAsync(CreateContext, args);

    public Task<(int ExitCode, string Output)> RunAsync(TestConsole console, params string[] args) => CliRunner.RunAsync(console, CreateContext, args);

    /// <summary>Writes a manifest of a run of the workflow <c>train</c>.</summary>
    public async Task<RunManifest> AddRunAsync(
        string name, RunStatus status, TimeSpan submittedAgo, Func<RunManifest, RunManifest>? change = null)
    {
        var submitted = DateTimeOffset.UtcNow - submittedAgo;
        var manifest = new RunManifest
        {
            Spec = new RunSpec
            {
                RunName = name,
                WorkflowName = "train",
                Provider = WorkflowProvider.Bash,
                Repo = new RepoInfo(RepoId, "https://github.com/acme/models.git", "main", "0123456789abcdef0123456789abcdef01234567", false),
                CodeHash = new string('a', 64),
                Commands = ["python train.py"],
                User = "alice",
                SubmittedAt = submitted,
            },
            Status = status,
            Backend = "local",
            InstanceType = "local",
            PricePerHour = 0m,
            StartedAt = submitted + TimeSpan.FromSeconds(2),
            FinishedAt = status.IsFinished() ? submitted + TimeSpan.FromSeconds(30) : null,
        };
        manifest = change?.Invoke(manifest) ?? manifest;
        await Manifests.WriteAsync(manifest);
        return manifest;
    }

    /// <summary>Starts a stand-in for RunWorkflow with ID <paramref name="run"/>, as a run that Temporal has open.</summary>
    public async Task<WorkflowHandle<FakeRunWorkflow, string>> StartRunWorkflowAsync(string run, string taskQueue, string status = "running")
    {
        var client = Client ?? throw new InvalidOperationException("This home has no Temporal server.");
        var options = new WorkflowOptions(run, taskQueue)
        {
            TypedSearchAttributes = new SearchAttributeCollection.Builder()
                .Set(DstackSearchAttributes.Status, status)
                .Set(DstackSearchAttributes.Workflow, "train")
                .Set(DstackSearchAttributes.Backend, "local")
                .ToSearchAttributeCollection(),
        };
        return await client.StartWorkflowAsync((FakeRunWorkflow wf) => wf.RunAsync(), options);
    }

    /// <summary>The attempt a run of the local backend records while its job runs on this machine.</summary>
    public static RunAttempt LocalAttempt(DateTimeOffset startedAt) => new()
    {
        Number = 1,
        Backend = "local",
        Region = "local",
        InstanceType = "local",
        InstanceId = "local",
        Spot = false,
        PricePerHour = 0m,
        StartedAt = startedAt,
    };

    /// <summary>
    /// Starts attempt 1 of <paramref name="run"/>'s job on this machine through the local backend the commands build, as
    /// a worker would, running <paramref name="script"/>; returns the job's process group ID.
    /// </summary>
    public Task<int> StartLocalJobAsync(string run, string script) => OnThisMachineAsync(async shell =>
    {
        var job = new JobRunner(shell, run, StorageLayout.MainJob, 1);
        using var archive = new MemoryStream();
        await using (var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true))
        {
            await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "src/"));
        }

        archive.Position = 0;
        await job.PrepareAsync(archive, script);
        await job.StartAsync();
        var pid = new byte[32];
        var read = await shell.ReadAsync(job.JobDirectory + "/job.pid", 0, pid);
        var processGroup = int.Parse(Encoding.ASCII.GetString(pid, 0, read).Trim(), CultureInfo.InvariantCulture);
        _jobs.Add(processGroup);
        return processGroup;
    });

    /// <summary>Whether a process of the group <paramref name="processGroup"/> is still alive on this machine.</summary>
    public Task<bool> ProcessGroupAliveAsync(int processGroup) => OnThisMachineAsync(async shell =>
        (await shell.RunAsync(string.Create(CultureInfo.InvariantCulture, $"kill -0 -- -{processGroup} 2>/dev/null"))).Succeeded);

    /// <summary>
    /// Whether every process of the group <paramref name="processGroup"/> has ended within <paramref name="timeout"/>: a
    /// process just killed stays visible to <c>kill -0</c> until its parent has reaped it.
    /// </summary>
    public async Task<bool> ProcessGroupEndsAsync(int processGroup, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await ProcessGroupAliveAsync(processGroup))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Whether the job folder of attempt 1 of <paramref name="run"/> is still on this machine.</summary>
    public Task<bool> LocalJobFolderExistsAsync(string run) => OnThisMachineAsync(async shell =>
        (await shell.RunAsync($"test -d '{new JobRunner(shell, run, StorageLayout.MainJob, 1).JobDirectory}'")).Succeeded);

    /// <summary>Runs <paramref name="use"/> with a shell of the local backend the commands build (same dstack folder).</summary>
    private async Task<T> OnThisMachineAsync<T>(Func<IInstanceShell, Task<T>> use)
    {
        await using var access = CreateContext(new TestConsole()).OpenInstanceAccess();
        var attempt = LocalAttempt(DateTimeOffset.UnixEpoch);
        var instance = new Instance(attempt.Backend, attempt.InstanceId, new InstanceOffer(attempt.Backend, attempt.Region, attempt.InstanceType, new MachineResources(1, 1, [], 1), 0m, false, "available"));
        await using var shell = await access.Backend(instance).ConnectAsync(instance);
        return await use(shell);
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed before its command stopped the job must not leave it running.
        foreach (var job in _jobs)
        {
            await OnThisMachineAsync(shell => shell.RunAsync(string.Create(CultureInfo.InvariantCulture, $"kill -KILL -- -{job} 2>/dev/null || true")));
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }
}
