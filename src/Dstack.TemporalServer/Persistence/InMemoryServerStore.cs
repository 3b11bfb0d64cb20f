namespace Dstack.TemporalServer.Persistence;

/// <summary>No persistence, as `temporal server start-dev` without <c>--db-filename</c>: state lives as long as the process.</summary>
internal sealed class InMemoryServerStore : IServerStore
{
    public bool IsPersistent => false;

    public StoredState Load() => new([], []);

    public Task CommitAsync(StoreBatch batch) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
