using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// The single table of keys of a workflows file. The parser (<see cref="WorkflowFileParser"/>) and the JSON Schema
/// (<see cref="WorkflowSchema"/>) both read it, so they cannot disagree on names, types, or provider rules.
/// </summary>
internal static class WorkflowKeys
{
    private static readonly WorkflowProvider[] ScriptProviders = [WorkflowProvider.Bash, WorkflowProvider.Docker];
    private static readonly WorkflowProvider[] IdeProviders = [WorkflowProvider.Code, WorkflowProvider.Lab, WorkflowProvider.Notebook];
    private static readonly WorkflowProvider[] PythonProviders =
        [WorkflowProvider.Bash, WorkflowProvider.Code, WorkflowProvider.Lab, WorkflowProvider.Notebook];

    public static readonly EnumShape<WorkflowProvider> ProviderShape = new(p => p.ToConfigName());
    public static readonly EnumShape<SpotPolicy> SpotPolicyShape = new(p => p.ToConfigName());

    public static readonly ObjectShape<ResourcesBuilder, ResourceSpec> Resources = new(
        [
            KeyDefinition.Create<ResourcesBuilder, Range<int>>(
                "cpu", "vCPUs: 4, or a range like 4.., 2..8, ..8.", new CountRangeShape(1, "CPU"), (b, v) => b.Cpu = v),
            KeyDefinition.Create<ResourcesBuilder, Range<MemorySize>>(
                "memory", "RAM: 64GB, or a range like 16GB..64GB, 8GB.. (1GB = 1024^3 bytes).", new SizeRangeShape(), (b, v) => b.Memory = v),
            KeyDefinition.Create<ResourcesBuilder, MemorySize>(
                "shm_size", "Shared memory of the job's container: 16GB.", new SizeShape(), (b, v) => b.ShmSize = v),
            KeyDefinition.Create<ResourcesBuilder, Range<MemorySize>>(
                "disk", "Disk: 100GB, or a range like 100GB...", new SizeRangeShape(), (b, v) => b.Disk = v),
            KeyDefinition.Create<ResourcesBuilder, GpuSpec>(
                "gpu", "GPUs: a count (1, 1..2), A100:80GB:2, [A10G, A100], or {name, count, memory}.", new GpuShape(), (b, v) => b.Gpu = v),
            KeyDefinition.Create<ResourcesBuilder, bool>(
                "interruptible", "Use spot instances (sets spot_policy to spot).", new BoolShape(), (b, v) => b.Interruptible = v),
        ],
        () => new ResourcesBuilder(),
        (_, _, _, builder) => builder.Build());

    public static readonly IReadOnlyList<KeyDefinition<WorkflowBuilder>> Workflow =
    [
        KeyDefinition.Create<WorkflowBuilder, string>(
            "name", "The name `dstack run NAME` uses.",
            new StringShape("a workflow name (letters, digits, '-', '_', '.')", Patterns.WorkflowNameText), (b, v) => b.Name = v, required: true),
        KeyDefinition.Create<WorkflowBuilder, WorkflowProvider>(
            "provider", "What the workflow runs: bash, docker, code (VS Code), lab (JupyterLab), notebook (Jupyter).",
            ProviderShape, (b, v) => b.Provider = v, required: true),
        KeyDefinition.Create<WorkflowBuilder, string>("help", "A one-line description.", new StringShape("a description"), (b, v) => b.Help = v),
        KeyDefinition.Create<WorkflowBuilder, IReadOnlyList<TemplateString>>(
            "commands", "Shell commands: a list, or a multi-line string (one command per line).", new CommandsShape(),
            (b, v) => b.Commands = v, providers: ScriptProviders, requiredFor: [WorkflowProvider.Bash]),
        KeyDefinition.Create<WorkflowBuilder, IReadOnlyList<TemplateString>>(
            "setup", "Commands run before `commands` or before the IDE starts.", new CommandsShape(), (b, v) => b.Setup = v),
        KeyDefinition.Create<WorkflowBuilder, PythonVersion>(
            "python", "The Python version, 3.7 to 3.14 (3.10 means 3.10). Default: the host's.", new PythonShape(),
            (b, v) => b.Python = v, providers: PythonProviders),
        KeyDefinition.Create<WorkflowBuilder, string>(
            "requirements", "A requirements file to `pip install -r`.", new StringShape("a file path"),
            (b, v) => b.Requirements = v, providers: PythonProviders),
        KeyDefinition.Create<WorkflowBuilder, string>(
            "conda", "A conda environment file.", new StringShape("a file path"), (b, v) => b.Conda = v, providers: PythonProviders),
        KeyDefinition.Create<WorkflowBuilder, string>(
            "image", "The Docker image.", new StringShape("an image name like ubuntu:22.04"),
            (b, v) => b.Image = v, providers: [WorkflowProvider.Docker], requiredFor: [WorkflowProvider.Docker]),
        KeyDefinition.Create<WorkflowBuilder, IReadOnlyList<EnvVar>>(
            "env", "Environment variables: [K=V, K] (K alone: from the local environment), or a map.", new EnvShape(), (b, v) => b.Env = v),
        KeyDefinition.Create<WorkflowBuilder, IReadOnlyList<string>>(
            "secrets", "Names of secrets to inject as environment variables.",
            new ListShape<string>(new StringShape("a secret name (letters, digits and _)", Patterns.EnvNameText), "secret names", unique: true),
            (b, v) => b.Secrets = v),
        KeyDefinition.Create<WorkflowBuilder, TemplateString>(
            "working_dir", "The working directory, relative to the repository root.", new TemplateShape("a folder path"), (b, v) => b.WorkingDir = v),
        KeyDefinition.Create<WorkflowBuilder, PortsSpec>(
            "ports", "Ports the job listens on: a count, or a list of port numbers. Exposed as PORT_0..PORT_n.", new PortsShape(),
            (b, v) => b.Ports = v, providers: ScriptProviders),
        KeyDefinition.Create<WorkflowBuilder, IReadOnlyList<ArtifactSpec>>(
            "artifacts", "Output folders: paths, or {path, mount}.", new ListShape<ArtifactSpec>(new ArtifactShape(), "artifacts"), (b, v) => b.Artifacts = v),
        KeyDefinition.Create<WorkflowBuilder, IReadOnlyList<DepSpec>>(
            "deps", "Runs whose artifacts are downloaded first: {workflow: W}, {tag: T} or {run: R}.",
            new ListShape<DepSpec>(new DepShape(), "dependencies"), (b, v) => b.Deps = v),
        KeyDefinition.Create<WorkflowBuilder, ResourceSpec>("resources", "The resources the job needs.", Resources, (b, v) => b.Resources = v),
        KeyDefinition.Create<WorkflowBuilder, SpotPolicy>(
            "spot_policy", "spot, on-demand (default) or auto (spot first, then on-demand).", SpotPolicyShape, (b, v) => b.SpotPolicy = v),
        KeyDefinition.Create<WorkflowBuilder, RetryPolicySpec?>(
            "retry", "true (every event, 1h), or {on_events: [no-capacity, interruption, error], duration: 1h}.", new RetryShape(),
            (b, v) => b.Retry = v),
        KeyDefinition.Create<WorkflowBuilder, decimal>(
            "max_price", "The highest price per hour, in USD.", new PositiveDecimalShape("a price in USD per hour"), (b, v) => b.MaxPrice = v),
        KeyDefinition.Create<WorkflowBuilder, TimeSpan?>(
            "max_duration", "The longest the run may last (90s, 30m, 2h, 1d), or off (default).", new DurationShape(allowOff: true),
            (b, v) => b.MaxDuration = v),
        KeyDefinition.Create<WorkflowBuilder, IReadOnlyList<BackendType>>(
            "backends", "The backends allowed: local, ssh, aws.",
            new ListShape<BackendType>(new EnumShape<BackendType>(v => v.ToConfigName()), "backends", unique: true), (b, v) => b.Backends = v),
        KeyDefinition.Create<WorkflowBuilder, IReadOnlyList<string>>(
            "regions", "The regions allowed.", new ListShape<string>(new StringShape("a region name"), "regions", unique: true),
            (b, v) => b.Regions = v),
        KeyDefinition.Create<WorkflowBuilder, TimeSpan?>(
            "idle_duration", "How long a dev environment may stay idle before it stops (5m, 1h).", new DurationShape(allowOff: false),
            (b, v) => b.IdleDuration = v, providers: IdeProviders),
    ];

    public static readonly WorkflowShape WorkflowItem = new(Workflow);

    public static readonly ObjectShape<RootBuilder, RootBuilder> Root = new(
        [
            KeyDefinition.Create<RootBuilder, YamlSequenceNode>(
                "workflows", "The workflows of this repository.", new WorkflowListShape(WorkflowItem), (b, v) => b.Workflows = v, required: true),
        ],
        () => new RootBuilder(),
        (_, _, _, builder) => builder);
}
