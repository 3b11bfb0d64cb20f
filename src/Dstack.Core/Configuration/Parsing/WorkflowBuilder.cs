namespace Dstack.Core.Configuration.Parsing;

/// <summary>The parts of a <see cref="WorkflowSpec"/> while they are read.</summary>
internal sealed class WorkflowBuilder
{
    public string? Name { get; set; }

    public WorkflowProvider? Provider { get; set; }

    public string? Help { get; set; }

    public IReadOnlyList<TemplateString> Commands { get; set; } = [];

    public IReadOnlyList<TemplateString> Setup { get; set; } = [];

    public PythonVersion? Python { get; set; }

    public string? Requirements { get; set; }

    public string? Conda { get; set; }

    public string? Image { get; set; }

    public IReadOnlyList<EnvVar> Env { get; set; } = [];

    public IReadOnlyList<string> Secrets { get; set; } = [];

    public TemplateString? WorkingDir { get; set; }

    public PortsSpec? Ports { get; set; }

    public IReadOnlyList<ArtifactSpec> Artifacts { get; set; } = [];

    public IReadOnlyList<DepSpec> Deps { get; set; } = [];

    public ResourceSpec Resources { get; set; } = ResourceSpec.None;

    public SpotPolicy? SpotPolicy { get; set; }

    public RetryPolicySpec? Retry { get; set; }

    public decimal? MaxPrice { get; set; }

    public TimeSpan? MaxDuration { get; set; }

    public IReadOnlyList<BackendType> Backends { get; set; } = [];

    public IReadOnlyList<string> Regions { get; set; } = [];

    public TimeSpan? IdleDuration { get; set; }
}
