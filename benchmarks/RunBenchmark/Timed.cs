using System.Diagnostics;

namespace Dstack.Benchmarks.Run;

/// <summary>One timed command: wall time to exit and to its first output line containing a marker.</summary>
internal sealed record Timed(double TotalMs, double FirstLineMs, int ExitCode)
{
    public static async Task<Timed> RunAsync(string file, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment, string marker)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        double first = -1;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (first < 0 && line.Contains(marker, StringComparison.Ordinal))
            {
                first = clock.Elapsed.TotalMilliseconds;
            }
        }

        await process.WaitForExitAsync();
        var total = clock.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0 || first < 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        }

        return new Timed(total, first, process.ExitCode);
    }
}
