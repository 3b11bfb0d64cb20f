namespace Dstack.Benchmarks.Scale;

/// <summary>
/// The gaps between a slot freeing on a host and the next run starting there: per host, the first <c>blocks</c> starts
/// fill empty slots; each later start takes the slot that freed earliest before it, and the gap is the time between.
/// </summary>
internal static class SlotGaps
{
    /// <param name="frees">When each slot was given back, per host.</param>
    /// <param name="starts">When each run started, per host.</param>
    /// <param name="blocks">Slots per host.</param>
    public static List<SlotGap> Measure(ILookup<string, DateTimeOffset> frees, ILookup<string, DateTimeOffset> starts, int blocks)
    {
        var gaps = new List<SlotGap>();
        foreach (var host in starts)
        {
            var free = new Queue<DateTimeOffset>(frees[host.Key].Order());
            foreach (var start in host.Order().Skip(blocks))
            {
                // A slot freed after this start was not the one it took (another block of the host was free already).
                if (free.Count > 0 && free.Peek() <= start)
                {
                    var freedAt = free.Dequeue();
                    gaps.Add(new SlotGap(host.Key, freedAt, (start - freedAt).TotalSeconds));
                }
            }
        }

        return gaps;
    }
}
