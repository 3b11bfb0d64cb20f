namespace Dstack.TemporalServer.Persistence;

/// <summary>Where the engine keeps its state between restarts: nowhere (in memory) or a SQLite file.</summary>
internal interface IServerStore : IAsyncDisposable
{
    /// <summary>Gets a value indicating whether writes reach a file; the engine skips all bookkeeping when not.</summary>
    bool IsPersistent { get; }

    /// <summary>Reads everything that was committed, for the engine to restore at start.</summary>
    StoredState Load();

    /// <summary>Queues a batch; the task completes once it is committed. Batches commit in the order they were queued.</summary>
    Task CommitAsync(StoreBatch batch);
}
