using System.Globalization;

namespace Dstack.Benchmarks.Scale;

/// <summary>CPU time and memory of one process, from /proc: what the server (with its worker) costs.</summary>
internal sealed class ProcessMeter(int pid)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>Gets the largest resident set seen by <see cref="Sample"/>, in bytes.</summary>
    public long PeakRss { get; private set; }

    /// <summary>Gets the CPU seconds (user + system) the process has used so far.</summary>
    public double CpuSeconds()
    {
        // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is 14th, stime 15th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Reads the resident set now, keeping the peak; returns it in bytes.</summary>
    public long Sample()
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        PeakRss = Math.Max(PeakRss, rss);
        return rss;
    }
}
