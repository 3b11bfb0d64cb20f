using Dstack.Core.Backends;
using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>Stops a job (of attempt <paramref name="Attempt"/>): gracefully (SIGTERM, then SIGKILL after a grace period) or at once.</summary>
public sealed record StopJobInput(RunSpec Spec, Instance Instance, bool Force, int Attempt = 1);
