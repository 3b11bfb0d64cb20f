namespace Dstack.Workflows.Contracts;

/// <summary>A machine given back; <paramref name="Leftover"/> says why the job's folder could not be removed first, or is null.</summary>
public sealed record ReleaseResult(string? Leftover);
