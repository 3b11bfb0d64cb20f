using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>
/// The run workflow's input. <paramref name="Attempt"/> is above 1 and <paramref name="Continuation"/> set only after
/// continue-as-new.
/// </summary>
public sealed record RunWorkflowInput(RunSpec Spec, int Attempt = 1, RunContinuation? Continuation = null);
