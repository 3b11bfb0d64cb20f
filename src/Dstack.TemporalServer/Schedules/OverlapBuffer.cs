using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Schedules;

/// <summary>Applies the overlap policies to the buffered starts, in buffer order, as real Temporal's scheduler does.</summary>
internal static class OverlapBuffer
{
    /// <param name="buffer">The starts in the order they became due.</param>
    /// <param name="running">Whether a workflow the schedule started (other than ALLOW_ALL ones) still runs.</param>
    /// <param name="resolve">The policy an unspecified one means now: the schedule's, else SKIP.</param>
    public static OverlapDecision Decide(IReadOnlyList<BufferedStart> buffer, bool running, Func<ScheduleOverlapPolicy, ScheduleOverlapPolicy> resolve)
    {
        var overlapping = new List<BufferedStart>();
        var remaining = new List<BufferedStart>();
        BufferedStart? nonOverlapping = null;
        bool cancel = false, terminate = false;
        long skipped = 0;
        foreach (var start in buffer)
        {
            var policy = resolve(start.Overlap);
            if (policy == ScheduleOverlapPolicy.AllowAll)
            {
                overlapping.Add(start);
                continue;
            }

            // With nothing running, the first start goes ahead whatever its policy.
            if (!running && nonOverlapping is null)
            {
                nonOverlapping = start;
                continue;
            }

            switch (policy)
            {
                case ScheduleOverlapPolicy.BufferOne when remaining.Count == 0:
                case ScheduleOverlapPolicy.BufferAll:
                    remaining.Add(start);
                    break;
                case ScheduleOverlapPolicy.CancelOther or ScheduleOverlapPolicy.TerminateOther when running:
                    // Stop what runs; this start waits until it has closed.
                    cancel |= policy == ScheduleOverlapPolicy.CancelOther;
                    terminate |= policy == ScheduleOverlapPolicy.TerminateOther;
                    remaining.Add(start);
                    break;
                case ScheduleOverlapPolicy.CancelOther or ScheduleOverlapPolicy.TerminateOther:
                    // Nothing runs yet; the later start replaces the one about to begin.
                    nonOverlapping = start;
                    break;
                default:
                    skipped++;
                    break;
            }
        }

        // Whatever is about to be stopped would stop the ALLOW_ALL starts too, so they are not started at all.
        if (cancel || terminate)
        {
            overlapping.Clear();
        }

        return new OverlapDecision(overlapping, nonOverlapping, remaining, cancel, terminate, skipped);
    }
}
