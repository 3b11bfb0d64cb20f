namespace Dstack.Workflows.Contracts;

/// <summary>
/// Gives a job's machine back: first removes the job's leftovers (when <paramref name="CleanUp"/>), which a lost
/// connection may fail up to <paramref name="CleanUpTries"/> times before the machine is released with them.
/// </summary>
public sealed record ReleaseInput(JobInput Job, bool CleanUp, int CleanUpTries);
