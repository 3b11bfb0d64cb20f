namespace Dstack.Workflows.Contracts;

/// <summary>The job's exit code and how many bytes of output were stored.</summary>
/// <param name="ExitCode">The job's exit code.</param>
/// <param name="LogBytes">How many bytes of output the job wrote.</param>
/// <param name="Failure">
/// For a job that failed, the step it failed in and that step's last lines; null when it succeeded, or in the histories
/// of older workers (which replay with the plain exit-code message).
/// </param>
public sealed record ExecuteJobResult(int ExitCode, long LogBytes, string? Failure = null);
