using System.Text.Json.Serialization;
using Dstack.Core.Configuration;

namespace Dstack.Core.Runs;

/// <summary>
/// What a run executes, fixed at submission: the workflow rendered with the run's name and arguments,
/// overrides applied, and the code snapshot it uses. It is the run workflow's input, so it holds plain values only.
/// </summary>
public sealed record RunSpec
{
    public required string RunName { get; init; }

    public required string WorkflowName { get; init; }

    /// <summary>Gets the provider: bash, docker, code, lab or notebook.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<WorkflowProvider>))]
    public required WorkflowProvider Provider { get; init; }

    public required RepoInfo Repo { get; init; }

    /// <summary>Gets the hash of the code snapshot in storage (<c>code/&lt;hash&gt;.tar.gz</c>): BLAKE3, or sha256 for older runs.</summary>
    public required string CodeHash { get; init; }

    /// <summary>
    /// Gets the sha256 of the run's <see cref="RunScript"/> in storage (<c>scripts/&lt;hash&gt;.json</c>) when its setup,
    /// commands, env, requirements and conda were too big to travel through Temporal; those members are then empty here
    /// (<see cref="RunScriptStore"/>). Null when they are in this spec, as in every run submitted before it existed.
    /// </summary>
    public string? ScriptHash { get; init; }

    public IReadOnlyList<string> Setup { get; init; } = [];

    public IReadOnlyList<string> Commands { get; init; } = [];

    /// <summary>Gets the Python version (<c>3.10</c>), or null for the host's default.</summary>
    public string? Python { get; init; }

    /// <summary>Gets the content of the requirements file, so that the environment key depends on what is installed.</summary>
    public string? Requirements { get; init; }

    public string? RequirementsPath { get; init; }

    public string? Conda { get; init; }

    public string? CondaPath { get; init; }

    public string? Image { get; init; }

    /// <summary>Gets environment variables (values resolved at submission). Never copied into search attributes or memo.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>Gets the working directory relative to the repository root, or null for the root.</summary>
    public string? WorkingDir { get; init; }

    public IReadOnlyList<int> Ports { get; init; } = [];

    public IReadOnlyList<ArtifactRef> Artifacts { get; init; } = [];

    /// <summary>Gets the runs whose artifacts are placed in the job folder before <c>setup</c>; resolved when the run starts.</summary>
    public IReadOnlyList<DepRef> Deps { get; init; } = [];

    public ResourceRequest Resources { get; init; } = ResourceRequest.None;

    /// <summary>Gets spot, on-demand or auto.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<SpotPolicy>))]
    public SpotPolicy SpotPolicy { get; init; } = SpotPolicy.OnDemand;

    public IReadOnlyList<string> RetryOnEvents { get; init; } = [];

    public TimeSpan? RetryDuration { get; init; }

    public decimal? MaxPrice { get; init; }

    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Gets how long a dev environment (code, lab, notebook) may go without a connection before it stops, or null for the default.</summary>
    public TimeSpan? IdleDuration { get; init; }

    public IReadOnlyList<string> Backends { get; init; } = [];

    public IReadOnlyList<string> Regions { get; init; } = [];

    public IReadOnlyList<string> Args { get; init; } = [];

    public string? Tag { get; init; }

    public required string User { get; init; }

    public required DateTimeOffset SubmittedAt { get; init; }
}
