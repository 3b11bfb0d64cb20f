using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>
/// The run workflow's input. <paramref name="Attempt"/> is above 1 and <paramref name="Continuation"/> set only after
/// continue-as-new. <paramref name="OwnLookAfter"/> is how long a run waiting in the capacity queue trusts it before its
/// own look (five minutes when null; tests shorten it).
/// </summary>
public sealed record RunWorkflowInput(RunSpec Spec, int Attempt = 1, RunContinuation? Continuation = null, TimeSpan? OwnLookAfter = null);
