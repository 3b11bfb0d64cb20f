using Dstack.Core.Backends;
using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>A job of a run on a provisioned instance.</summary>
/// <param name="LogOffset">Where this attempt's output starts in the run's log (the bytes earlier attempts stored).</param>
public sealed record JobInput(RunSpec Spec, Instance Instance, int Attempt, long LogOffset = 0);
