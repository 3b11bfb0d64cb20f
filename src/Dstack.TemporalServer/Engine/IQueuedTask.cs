using Google.Protobuf;

namespace Dstack.TemporalServer.Engine;

/// <summary>A task waiting in a task queue. Starting it happens under the engine lock, at the moment a poller takes it.</summary>
internal interface IQueuedTask
{
    /// <summary>Starts the task for <paramref name="poller"/> and returns the poll response, or null when the task went stale.</summary>
    IMessage? TryStart(PollerInfo poller);
}
