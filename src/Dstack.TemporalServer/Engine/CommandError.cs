using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>A command the server refuses: the workflow task fails with <see cref="Cause"/>.</summary>
internal sealed record CommandError(WorkflowTaskFailedCause Cause, string Message);
