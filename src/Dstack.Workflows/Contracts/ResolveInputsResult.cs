using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>The run's dependencies resolved to exact runs, or why the run cannot start (names only, never a secret value).</summary>
public sealed record ResolveInputsResult(IReadOnlyList<DepRef> Deps, string? Problem);
