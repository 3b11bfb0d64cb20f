using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>The run workflow's input. <paramref name="Attempt"/> is above 1 only after continue-as-new.</summary>
public sealed record RunWorkflowInput(RunSpec Spec, int Attempt = 1);
