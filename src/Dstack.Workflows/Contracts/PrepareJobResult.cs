namespace Dstack.Workflows.Contracts;

/// <summary>What bootstrap prepared: the environment key the job runs with.</summary>
public sealed record PrepareJobResult(string EnvironmentHash);
