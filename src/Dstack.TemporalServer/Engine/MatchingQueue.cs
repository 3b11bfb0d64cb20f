using Google.Protobuf;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// Tasks of one kind (workflow or activity) for one queue name, and the long polls waiting for them.
/// Every member is called under the engine lock, so a task is handed to exactly one poller.
/// </summary>
internal sealed class MatchingQueue
{
    private readonly Queue<IQueuedTask> _tasks = new();
    private readonly LinkedList<Waiter> _pollers = new();

    public int Backlog => _tasks.Count;

    /// <summary>Gets the pollers that polled this queue lately, for DescribeTaskQueue.</summary>
    public PollerHistory RecentPollers { get; } = new();

    /// <summary>Gets when a poll of this queue last started or ended (a sticky queue gets tasks only while polled).</summary>
    public DateTime LastPolledAt { get; private set; } = DateTime.MinValue;

    /// <summary>Gets whether a long poll is waiting for a task now.</summary>
    public bool HasWaitingPollers => _pollers.Count > 0;

    /// <summary>Stamps a poll's start or end.</summary>
    public void Polled(DateTime now) => LastPolledAt = now;

    public void Add(IQueuedTask task)
    {
        while (_pollers.First is { } node)
        {
            _pollers.RemoveFirst();
            var response = task.TryStart(node.Value.Poller);
            if (response is null)
            {
                // A stale task is dropped; the poller keeps waiting.
                _pollers.AddFirst(node);
                return;
            }

            if (node.Value.Completion.TrySetResult(response))
            {
                return;
            }
        }

        _tasks.Enqueue(task);
    }

    public IMessage? TryTake(PollerInfo poller)
    {
        while (_tasks.TryDequeue(out var task))
        {
            if (task.TryStart(poller) is { } response)
            {
                return response;
            }
        }

        return null;
    }

    public LinkedListNode<Waiter> AddPoller(PollerInfo poller) =>
        _pollers.AddLast(new Waiter(poller, new TaskCompletionSource<IMessage?>(TaskCreationOptions.RunContinuationsAsynchronously)));

    /// <summary>Removes a poller that gave up; false when a task was already handed to it.</summary>
    public bool RemovePoller(LinkedListNode<Waiter> node)
    {
        if (node.List != _pollers)
        {
            return false;
        }

        _pollers.Remove(node);
        return true;
    }

    internal sealed record Waiter(PollerInfo Poller, TaskCompletionSource<IMessage?> Completion);
}
