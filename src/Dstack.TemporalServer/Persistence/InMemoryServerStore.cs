namespace Dstack.TemporalServer.Persistence;

/// <summary>No persistence, as `temporal server start-dev` without <c>--db-filename</c>: state lives as long as the process.</summary>
internal sealed class InMemoryServerStore : IServerStore
{
    public bool IsPersistent => false;

    // A new cluster each start, as the state does not outlive the process either.
    public StoredState Load() => new(Guid.NewGuid().ToString(), [], []);

    public Task CommitAsync(StoreBatch batch) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
