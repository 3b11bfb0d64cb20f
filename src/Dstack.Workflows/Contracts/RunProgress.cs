using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>The answer of the <c>status</c> query: where the run is now.</summary>
public sealed record RunProgress(
    RunStatus Status,
    int Attempt,
    string? Backend,
    string? InstanceType,
    string? Region,
    decimal? PricePerHour,
    IReadOnlyList<string> Events,
    IReadOnlyList<RunAttempt>? Attempts = null);
