using System.Text.Json;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;

namespace Dstack.Cli.Runs;

/// <summary>A run in <c>dstack ps --json</c>. The field names are a contract for scripts: add fields, never rename them.</summary>
internal sealed record RunJson(
    string Name,
    string? Workflow,
    string? Provider,
    string Status,
    bool Finished,
    bool Live,
    bool Lost,
    string? Reason,
    string? Message,
    int? ExitCode,
    string? Backend,
    string? InstanceType,
    string? Region,
    decimal? PricePerHour,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? User,
    string? Tag,
    IReadOnlyList<string> Artifacts,
    string? EndedInTemporal,
    string? Repo,
    int? QueuePlace = null,
    int? QueueLength = null,
    string? WaitingFor = null)
{
    /// <summary>Gets the options <c>--json</c> output is written with: camelCase, indented.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static RunJson From(RunView run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var m = run.Manifest;
        return new RunJson(
            run.Name,
            run.Workflow,
            m?.Spec.Provider.ToConfigName(),
            run.Status.ToDisplayName(),
            run.Status.IsFinished(),
            run.Live,
            run.Lost,
            m?.Reason,
            m?.Message,
            m?.ExitCode,
            run.Backend,
            m?.InstanceType,
            m?.Region,
            m?.PricePerHour,
            run.SubmittedAt,
            m?.StartedAt,
            m?.FinishedAt,
            m?.Spec.User,
            m?.Spec.Tag,
            m?.Artifacts ?? [],
            run.EndedInTemporal,
            run.Repo,
            run.Queue?.Place,
            run.Queue?.Of,
            run.Queue?.Shape);
    }
}
