using Dstack.Core.Backends;
using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>A job of a run on a provisioned instance.</summary>
public sealed record JobInput(RunSpec Spec, Instance Instance, int Attempt);
