namespace Dstack.Workflows.Activities;

/// <summary>A start asked of the preparation, so that both can go in one command to the machine.</summary>
/// <param name="Environment">The secrets' values to export to the job, or null when it has none.</param>
internal sealed record JobStart(IReadOnlyDictionary<string, string>? Environment);
