using System.CommandLine;
using System.Text;
using System.Text.Json;
using Dstack.Cli.DevEnvironments;
using Dstack.Cli.Runs;
using Dstack.Cli.Temporal;
using Dstack.Core.Code;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Settings;
using Dstack.Core.Storage;
using Dstack.Core.Tags;
using Dstack.Workflows;
using Dstack.Workflows.Contracts;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Converters;
using Temporalio.Exceptions;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack run NAME [ARGS...]</c>: submits a run, streams its logs, and exits with the job's exit code.</summary>
internal sealed class RunCommand : DstackCommand
{
    private static readonly Argument<string> WorkflowArgument = new("workflow") { Description = "The workflow to run." };

    private static readonly Argument<string[]> ArgsArgument = new("args")
    {
        Description = "Arguments for the workflow (${{ run.args }}).",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<bool> DetachOption = new("--detach", "-d") { Description = "Submit the run and return at once." };

    private static readonly Option<bool> DetachOnInterruptOption = new("--detach-on-interrupt")
    {
        Description = "Without a terminal, Ctrl+C or SIGTERM leaves the run going (by default they stop it, as `dstack stop`, and exit 130 or 143).",
    };
    private static readonly Option<string?> TagOption = new("--tag", "-t") { Description = "Tag the run's artifacts (other workflows can then use deps: [{tag: TAG}])." };
    private static readonly Option<string?> GpuOption = new("--gpu") { Description = "Override resources.gpu (e.g. 1, A100, A100:80GB:2)." };
    private static readonly Option<string?> MemoryOption = new("--memory") { Description = "Override resources.memory (e.g. 64GB, 16GB..)." };
    private static readonly Option<string?> CpuOption = new("--cpu") { Description = "Override resources.cpu (e.g. 4, 8..)." };
    private static readonly Option<string?> DiskOption = new("--disk") { Description = "Override resources.disk (e.g. 200GB..)." };
    private static readonly Option<bool> SpotOption = new("--spot") { Description = "Use spot (interruptible) instances only." };
    private static readonly Option<bool> OnDemandOption = new("--on-demand") { Description = "Use on-demand instances only." };
    private static readonly Option<DirectoryInfo> RepoOption = new("--repo") { Description = "The repository root (default: the current directory)." };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "With -d: print the submitted run as JSON." };

    private readonly CliContext _context;

    public RunCommand(IAnsiConsole console, CliContext context)
        : base("run", "Run a workflow on a machine with the resources it asks for, streaming its logs.", console)
    {
        _context = context;
        Arguments.Add(WorkflowArgument);
        Arguments.Add(ArgsArgument);
        Options.Add(DetachOption);
        Options.Add(DetachOnInterruptOption);
        Options.Add(TagOption);
        Options.Add(GpuOption);
        Options.Add(MemoryOption);
        Options.Add(CpuOption);
        Options.Add(DiskOption);
        Options.Add(SpotOption);
        Options.Add(OnDemandOption);
        Options.Add(RepoOption);
        Options.Add(JsonOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var repo = parseResult.GetValue(RepoOption)?.FullName ?? Directory.GetCurrentDirectory();
        var name = parseResult.GetValue(WorkflowArgument)!;
        _context.Timing.Mark("execute");
        var settings = _context.LoadSettings();
        _context.Timing.Mark("settings");

        // Connecting and archiving the code overlap with reading the workflows; the embedded server is only started
        // and the archive only uploaded (below) once the configuration is known to be good, so a typo leaves nothing
        // in storage.
        var connector = new TemporalConnector(Console, _context.Time);
        var connecting = TryConnectAsync(connector, settings, cancellationToken);
        var storage = await _context.OpenStorageAsync(cancellationToken);
        _context.Timing.Mark("storage");
        var snapshotting = Task.Run(() => SnapshotAsync(repo, cancellationToken), CancellationToken.None);

        // The first serialization of a run spec builds System.Text.Json's metadata for a dozen types, a visible part of
        // a short command; done now on another core, submitting later finds it ready.
        _ = Task.Run(WarmUpSerialization, CancellationToken.None);
        try
        {
            return await SubmitAndFollowAsync(parseResult, repo, name, settings, storage, connector, connecting, snapshotting, cancellationToken);
        }
        finally
        {
            await DiscardAsync(snapshotting);
        }
    }

    // VSTHRD003: the tasks awaited here were started by ExecuteAsync of this same command; a CLI has no
    // SynchronizationContext for them to deadlock on.
#pragma warning disable VSTHRD003
    private async Task<int> SubmitAndFollowAsync(
        ParseResult parseResult,
        string repo,
        string name,
        DstackSettings settings,
        IStorage storage,
        TemporalConnector connector,
        Task<ITemporalClient?> connecting,
        Task<CodeSnapshot> snapshotting,
        CancellationToken cancellationToken)
    {
        var workflows = WorkflowLoader.Load(repo);
        _context.Timing.Mark("workflows loaded");
        var workflow = workflows.FirstOrDefault(w => w.Name == name)
            ?? throw new RunSpecException($"no workflow '{name}' in {repo}/.dstack; the workflows there are: {string.Join(", ", workflows.Select(w => w.Name))}.");
        if (parseResult.GetValue(SpotOption) && parseResult.GetValue(OnDemandOption))
        {
            throw new RunSpecException("--spot and --on-demand contradict each other; pass one.");
        }

        var overrides = new RunOverrides
        {
            Gpu = parseResult.GetValue(GpuOption),
            Memory = parseResult.GetValue(MemoryOption),
            Cpu = parseResult.GetValue(CpuOption),
            Disk = parseResult.GetValue(DiskOption),
            SpotPolicy = parseResult.GetValue(SpotOption) ? SpotPolicy.Spot : parseResult.GetValue(OnDemandOption) ? SpotPolicy.OnDemand : null,
        };

        // A bad --gpu, --cpu, --memory or --disk is a usage error, found before a server is started or a run submitted.
        _ = ResourceOverrides.Apply(workflow.Resources, overrides);

        if (parseResult.GetValue(TagOption) is { } tag)
        {
            TagStore.CheckName(tag); // a bad tag is a usage error, found before anything is submitted
        }

        // Everything the command line and the workflows file can get wrong has been checked: only now does the code go to storage.
        var snapshot = await snapshotting;
        _context.Timing.Mark("snapshot");
        await CodeSnapshotter.UploadAsync(storage, snapshot, cancellationToken);
        _context.Timing.Mark("snapshot stored");
        var client = await connecting ?? await ConnectAndRegisterAsync(connector, settings, startServerIfDown: true, cancellationToken);
        _context.Timing.Mark("connected");
        var args = parseResult.GetValue(ArgsArgument) ?? [];
        var (handle, spec) = await SubmitAsync(client, settings, storage, workflow, repo, snapshot, overrides, args, parseResult.GetValue(TagOption), cancellationToken);

        // The archive is in storage now; deleted here, not when following ends, it is not left in /tmp by a killed CLI.
        await snapshot.DisposeAsync();

        if (parseResult.GetValue(DetachOption))
        {
            if (parseResult.GetValue(JsonOption))
            {
                await Console.Profile.Out.Writer.WriteLineAsync(JsonSerializer.Serialize(new { run = spec.RunName, workflow = spec.WorkflowName, status = "submitted" }));
            }
            else
            {
                Console.MarkupLineInterpolated($"Submitted [bold]{spec.RunName}[/]. Follow it with `dstack logs {spec.RunName} -f`.");
                WriteRunPage(settings, spec.RunName);
                if (ServesPorts(spec))
                {
                    Console.MarkupLineInterpolated($"Open what it serves here with `dstack attach {spec.RunName}`.");
                }
            }

            return ExitCodes.Ok;
        }

        _context.Timing.Mark("submitted");
        Console.MarkupLineInterpolated($"[grey]RUN[/] [bold]{spec.RunName}[/] ([grey]workflow {spec.WorkflowName}, {(spec.Resources.Summary.Length > 0 ? spec.Resources.Summary : "no resource requirements")}[/])");
        WriteRunPage(settings, spec.RunName);
        var watch = new RunEndWatch(connector, settings, new ManifestStore(storage), Console);
        return await new RunFollower(Console, _context).FollowAsync(handle, storage, watch, spec.RunName, ServesPorts(spec), parseResult.GetValue(DetachOnInterruptOption), cancellationToken);
    }

    /// <summary>Links the run's page in the Temporal Web UI, when one is known, under the run's first line.</summary>
    private void WriteRunPage(DstackSettings settings, string runName)
    {
        if (TemporalUiLinks.RunPage(settings, runName, _context.Time.GetUtcNow()) is { } page)
        {
            WholeLine.Write(Console, $"UI  {page}");
        }
    }

    private static bool ServesPorts(RunSpec spec) => spec.Ports.Count > 0 || Core.Environments.JobScriptBuilder.IsDevEnvironment(spec.Provider);

#pragma warning restore VSTHRD003

    private void WarmUpSerialization()
    {
        DstackDataConverter.Instance.PayloadConverter.ToPayload(new RunWorkflowInput(
            new RunSpec
            {
                RunName = "warm-up",
                WorkflowName = "warm-up",
                Provider = WorkflowProvider.Bash,
                Repo = new RepoInfo("warm-up", null, null, null, false),
                CodeHash = "warm-up",
                Env = new Dictionary<string, string> { ["K"] = "V" },
                Artifacts = [new ArtifactRef("output", false)],
                User = "warm-up",
                SubmittedAt = DateTimeOffset.UnixEpoch,
            }));
        _context.Timing.Mark("serialization warmed up");
    }

    private async Task<CodeSnapshot> SnapshotAsync(string repo, CancellationToken cancellationToken)
    {
        var snapshot = await new CodeSnapshotter().CreateAsync(repo, cancellationToken);
        _context.Timing.Mark("snapshot made");
        return snapshot;
    }

    /// <summary>Deletes the snapshot's temporary archive, whether the run was submitted or the command failed first.</summary>
    private static async Task DiscardAsync(Task<CodeSnapshot> snapshotting)
    {
        try
        {
#pragma warning disable VSTHRD003 // Started by ExecuteAsync of this command, see SubmitAndFollowAsync.
            await (await snapshotting).DisposeAsync();
#pragma warning restore VSTHRD003
        }
#pragma warning disable CA1031 // The command already failed for its own reason (or got the snapshot's error); only cleanup is left here.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task<ITemporalClient?> TryConnectAsync(TemporalConnector connector, DstackSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await ConnectAndRegisterAsync(connector, settings, startServerIfDown: false, cancellationToken);
        }
        catch (TemporalUnavailableException)
        {
            return null;
        }
    }

    /// <summary>Connects, then makes sure dstack's search attributes exist; overlapped with reading the workflows.</summary>
    private async Task<ITemporalClient> ConnectAndRegisterAsync(TemporalConnector connector, DstackSettings settings, bool startServerIfDown, CancellationToken cancellationToken)
    {
        var client = await connector.ConnectAsync(settings, startServerIfDown, cancellationToken);
        _context.Timing.Mark("client connected");
        await SearchAttributeRegistrar.EnsureRegisteredAsync(client, settings.Temporal.Namespace, cancellationToken);
        _context.Timing.Mark("search attributes checked");
        return client;
    }

    private async Task<(WorkflowHandle Handle, RunSpec Spec)> SubmitAsync(
        ITemporalClient client, DstackSettings settings, IStorage storage, WorkflowSpec workflow, string repo, CodeSnapshot snapshot, RunOverrides overrides,
        IReadOnlyList<string> args, string? tag, CancellationToken cancellationToken)
    {
        const int Tries = 10;
        for (var attempt = 1; ; attempt++)
        {
            var runName = RunNames.Next(Random.Shared);
            var spec = RunSpecFactory.Create(workflow, new RunContext(runName, args), repo, snapshot.Repo, snapshot.Hash, overrides,
                Environment.UserName, DateTimeOffset.UtcNow, Environment.GetEnvironmentVariable) with { Tag = tag };

            // A big script goes to storage and only its hash into the workflow's input, which Temporal limits.
            spec = await new RunScriptStore(storage).OffloadAsync(spec, cancellationToken);
            _context.Timing.Mark("spec built");
            var attributes = new SearchAttributeCollection.Builder()
                .Set(DstackSearchAttributes.Workflow, spec.WorkflowName)
                .Set(DstackSearchAttributes.Repo, spec.Repo.RepoId)
                .Set(DstackSearchAttributes.User, spec.User)
                .Set(DstackSearchAttributes.Status, RunStatus.Submitted.ToDisplayName())
                .Set(DstackSearchAttributes.Tags, tag is null ? [] : [tag])
                .ToSearchAttributeCollection();
            try
            {
                // Started by name: the lambda form compiles an expression tree, a visible cost in a short-lived CLI.
                var handle = await client.StartWorkflowAsync(
                    RunWorkflow.Name,
                    [new RunWorkflowInput(spec, 1)],
                    new WorkflowOptions(runName, settings.Temporal.TaskQueue)
                    {
                        TypedSearchAttributes = attributes,
                        IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.Fail,
                        IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
                        Rpc = new RpcOptions { CancellationToken = cancellationToken },
                    });
                _context.Timing.Mark("workflow started");
                return (handle, spec);
            }
            catch (WorkflowAlreadyStartedException) when (attempt < Tries)
            {
                // The drawn name is taken; draw another.
            }
        }
    }
}
