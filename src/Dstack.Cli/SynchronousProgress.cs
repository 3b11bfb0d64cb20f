namespace Dstack.Cli;

/// <summary>
/// Reports progress on the calling thread. <see cref="Progress{T}"/> posts to the thread pool when there is no
/// synchronization context, so reports could arrive out of order and after the work has ended.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
