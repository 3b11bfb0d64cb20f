using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// A command the server refuses. With a <see cref="Cause"/> the workflow task fails with it; without one (a command type
/// the server does not know) the completion is refused and the task is left to time out, as in real Temporal.
/// </summary>
internal sealed record CommandError(WorkflowTaskFailedCause? Cause, string Message)
{
    /// <summary>Gets the message of the WorkflowTaskFailed event and of the InvalidArgument answer, as real Temporal words it.</summary>
    public string FullMessage => Cause is { } cause ? $"{cause}: {Message}" : Message;

    /// <summary>Real Temporal's answer to a command type it has no handler for.</summary>
    public static CommandError UnknownCommandType(CommandType type) => new(null, $"Unknown command type: {type}");
}
