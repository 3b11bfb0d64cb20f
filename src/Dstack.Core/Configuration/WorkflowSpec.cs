namespace Dstack.Core.Configuration;

/// <summary>One workflow of <c>.dstack/workflows.yaml</c>, as validated by <see cref="WorkflowLoader"/>.</summary>
/// <remarks>Absent keys are null or empty: the spec records what the user asked for, not the defaults applied later.</remarks>
public sealed record WorkflowSpec
{
    /// <summary>The name <c>dstack run NAME</c> uses.</summary>
    public required string Name { get; init; }

    /// <summary>What the workflow runs.</summary>
    public required WorkflowProvider Provider { get; init; }

    /// <summary>Where the workflow is declared.</summary>
    public required SourceLocation Source { get; init; }

    /// <summary>A one-line description.</summary>
    public string? Help { get; init; }

    /// <summary>The commands (bash, docker), one per line.</summary>
    public IReadOnlyList<TemplateString> Commands { get; init; } = [];

    /// <summary>Commands run before <see cref="Commands"/> or before the IDE starts.</summary>
    public IReadOnlyList<TemplateString> Setup { get; init; } = [];

    /// <summary>The Python version, or null for the host's default.</summary>
    public PythonVersion? Python { get; init; }

    /// <summary>A requirements file to <c>pip install -r</c>, relative to the repository.</summary>
    public string? Requirements { get; init; }

    /// <summary>A conda environment file, relative to the repository.</summary>
    public string? Conda { get; init; }

    /// <summary>The Docker image (docker only).</summary>
    public string? Image { get; init; }

    /// <summary>Environment variables, in the order written.</summary>
    public IReadOnlyList<EnvVar> Env { get; init; } = [];

    /// <summary>Names of secrets injected as environment variables.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>The working directory, relative to the repository root.</summary>
    public TemplateString? WorkingDir { get; init; }

    /// <summary>The ports the job listens on (bash, docker), or null for none.</summary>
    public PortsSpec? Ports { get; init; }

    /// <summary>Output folders.</summary>
    public IReadOnlyList<ArtifactSpec> Artifacts { get; init; } = [];

    /// <summary>Runs whose artifacts are downloaded first.</summary>
    public IReadOnlyList<DepSpec> Deps { get; init; } = [];

    /// <summary>Resource requirements; members left null mean no requirement.</summary>
    public ResourceSpec Resources { get; init; } = ResourceSpec.None;

    /// <summary>The spot policy; <c>on-demand</c> unless written or implied by <c>resources.interruptible</c>.</summary>
    public SpotPolicy SpotPolicy { get; init; } = SpotPolicy.OnDemand;

    /// <summary>The retry policy, or null for no retries.</summary>
    public RetryPolicySpec? Retry { get; init; }

    /// <summary>The highest price per hour, in USD, or null for any.</summary>
    public decimal? MaxPrice { get; init; }

    /// <summary>The longest the run may last, or null for no limit (<c>off</c>).</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>The backends allowed, empty for all configured.</summary>
    public IReadOnlyList<BackendType> Backends { get; init; } = [];

    /// <summary>The regions allowed, empty for all.</summary>
    public IReadOnlyList<string> Regions { get; init; } = [];

    /// <summary>How long a dev environment (code, lab, notebook) may stay idle, or null for the default.</summary>
    public TimeSpan? IdleDuration { get; init; }
}
