using System.Globalization;

namespace Dstack.Benchmarks.Scale;

/// <summary>
/// The whole machine's busy CPU time, from /proc/stat: with the server's own time beside it, what the hosts (their sshd
/// sessions, SFTP servers and jobs, which share this machine in the benchmark) and the kernel cost.
/// </summary>
internal static class MachineMeter
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>Gets the CPU seconds all cores have spent busy (not idle, not waiting for I/O) since boot.</summary>
    public static double BusySeconds()
    {
        var fields = CpuFields();
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
        return busy / TicksPerSecond;
    }

    /// <summary>
    /// Gets the CPU seconds the VM's host took from all cores since boot (steal, counted in <see cref="BusySeconds"/>):
    /// time the benchmark waited for a core it had, one reason why back-to-back runs of the same code differ.
    /// </summary>
    public static double StolenSeconds() => CpuFields()[7] / TicksPerSecond;

    // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already counted in user.
    private static long[] CpuFields() =>
        File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
}
