using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>How a run ended.</summary>
public sealed record RunResult(RunStatus Status, int? ExitCode, string? Reason, string? Message);
