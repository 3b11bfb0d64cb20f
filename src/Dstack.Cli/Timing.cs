using System.Diagnostics;
using System.Globalization;

namespace Dstack.Cli;

/// <summary>
/// With <c>DSTACK_TIMING=1</c>, prints to stderr how long after the process started each step of a short command
/// finished: how the first-line figure of <c>benchmarks/RunBenchmark</c> splits up.
/// </summary>
internal static class Timing
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("DSTACK_TIMING") == "1";

    public static void Mark(string step)
    {
        if (Enabled)
        {
            using var process = Process.GetCurrentProcess();
            var elapsed = DateTime.Now - process.StartTime;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[timing] {elapsed.TotalMilliseconds,6:0} ms {step}"));
        }
    }
}
