namespace Dstack.Benchmarks.WebUi;

/// <summary>The machine's one-minute load average, printed beside each figure since other work on the machine moves them.</summary>
internal static class LoadAverage
{
    public static string Now() => "load " + File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
