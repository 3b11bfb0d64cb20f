using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace Dstack.TemporalServer.Engine;

/// <content>
/// Sticky execution, as real Temporal does it: a worker that keeps the workflow in its cache names a queue of its own
/// when it completes a task, and the next task goes there with only the events since that task. When the worker has not
/// polled that queue lately, or does not start the task in time, the task goes to the normal queue with the whole history.
/// </content>
internal sealed partial class WorkflowRun
{
    /// <summary>How recently a sticky queue must have been polled to get a task: real Temporal's <c>matching.stickyPollerUnavailableWindow</c>.</summary>
    private static readonly TimeSpan StickyPollerWindow = TimeSpan.FromSeconds(10);

    /// <summary>The schedule-to-start timeout when a worker names a sticky queue without one, as real Temporal defaults it.</summary>
    private static readonly TimeSpan DefaultStickyScheduleToStart = TimeSpan.FromSeconds(5);

    private string? _stickyQueue;
    private TimeSpan _stickyScheduleToStart;
    private bool _wftOnSticky;
    private ITimer? _stickyTimer;

    /// <summary>Remembers the sticky queue the worker named in its completion, or forgets it when it named none.</summary>
    private void SetSticky(StickyExecutionAttributes? attributes)
    {
        var name = attributes?.WorkerTaskQueue?.Name;
        _stickyQueue = string.IsNullOrEmpty(name) ? null : name;
        _stickyScheduleToStart = attributes?.ScheduleToStartTimeout is { } timeout && timeout.ToTimeSpan() > TimeSpan.Zero
            ? timeout.ToTimeSpan()
            : DefaultStickyScheduleToStart;
    }

    /// <summary>Forgets the sticky queue (ResetStickyTaskQueue, a failed or timed-out task): the next task carries the whole history.</summary>
    public void ResetSticky() => _stickyQueue = null;

    /// <summary>Moves a task waiting on <paramref name="stickyQueue"/>, whose worker shut down, to the normal queue now.</summary>
    public void StickyWorkerGone(string stickyQueue)
    {
        if (_stickyQueue != stickyQueue)
        {
            return;
        }

        if (_wftOnSticky && Wft == WftPhase.Scheduled)
        {
            StickyTaskNotStarted(WftScheduledEventId, WftAttempt);
        }

        ResetSticky();
    }

    /// <summary>Whether the next workflow task goes to the sticky queue: one is named and its worker polled it lately.</summary>
    private bool StickyAvailable() =>
        _stickyQueue is { } name &&
        Namespace.FindQueue(name, activity: false) is { } queue &&
        (queue.HasWaitingPollers || Engine.UtcNow - queue.LastPolledAt < StickyPollerWindow);

    private TaskQueue ScheduledTaskQueue() => _wftOnSticky
        ? new TaskQueue { Name = _stickyQueue, Kind = TaskQueueKind.Sticky, NormalName = TaskQueueName }
        : new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal };

    private void QueueOnSticky()
    {
        var (scheduledEventId, attempt) = (WftScheduledEventId, WftAttempt);
        Namespace.WorkflowQueue(_stickyQueue!).Add(new WorkflowTaskEntry(this, scheduledEventId, Sticky: true));
        _stickyTimer = Engine.Schedule(_stickyScheduleToStart, () => StickyTaskNotStarted(scheduledEventId, attempt));
    }

    /// <summary>
    /// A task the sticky worker did not start in time times out (ScheduleToStart, attempt unchanged) and is scheduled
    /// again on the normal queue, as in real Temporal.
    /// </summary>
    private void StickyTaskNotStarted(long scheduledEventId, int attempt)
    {
        if (!IsOpen || Wft != WftPhase.Scheduled || !_wftOnSticky || WftScheduledEventId != scheduledEventId || WftAttempt != attempt)
        {
            return;
        }

        CancelStickyTimer();

        if (!_wftTransient)
        {
            var e = NewEvent(EventType.WorkflowTaskTimedOut);
            e.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
            {
                ScheduledEventId = WftScheduledEventId,
                TimeoutType = TimeoutType.ScheduleToStart,
            };
            Write(e);
        }

        RetryWorkflowTask(incrementAttempt: false);
    }

    /// <summary>A started sticky task needs no schedule-to-start timer any more; one timer per task would otherwise linger.</summary>
    private void CancelStickyTimer()
    {
        _stickyTimer?.Dispose();
        _stickyTimer = null;
    }

    /// <summary>The events a started task carries: only those since the last completed task when it went to the sticky queue.</summary>
    private IEnumerable<HistoryEvent> EventsForTask() =>
        _wftOnSticky && LastCompletedWftStartedEventId > 0 ? History.Skip((int)LastCompletedWftStartedEventId) : History;
}
