using Dstack.Core.Backends;
using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>A job of a run on a provisioned instance.</summary>
/// <param name="LogOffset">Where this attempt's output starts in the run's log (the bytes earlier attempts stored).</param>
/// <param name="Prepare">
/// Whether the job activity prepares the job (code, job script, inputs) before it starts it; false in the histories of
/// runs that prepared it in an activity of its own.
/// </param>
public sealed record JobInput(RunSpec Spec, Instance Instance, int Attempt, long LogOffset = 0, bool Prepare = false);
