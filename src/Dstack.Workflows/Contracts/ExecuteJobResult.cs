namespace Dstack.Workflows.Contracts;

/// <summary>The job's exit code and how many bytes of output were stored.</summary>
public sealed record ExecuteJobResult(int ExitCode, long LogBytes);
