using System.Diagnostics;

namespace Dstack.Cli.Temporal;

/// <summary>The process behind a <see cref="LocalServerRecord"/>: whether it still runs, and stopping it gracefully.</summary>
internal static class LocalServerProcess
{
    // Read once: the commands ask IsRunning in their polling loops, and this process's user never changes.
    private static readonly Lazy<string?> OwnUserId = new(() => RealUserId("/proc/self/status"));

    /// <summary>
    /// Whether the recorded server still runs. A record outlives a server killed with -9, and its process ID may have been
    /// reused since, so the process must also be a <c>server</c> command, and this user's: the CLI sends the server's key
    /// to the address in the record, which must never reach another user's process.
    /// </summary>
    public static bool IsRunning(LocalServerRecord record)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{record.ProcessId}/cmdline").Split('\0');
            return commandLine.Contains("server", StringComparer.Ordinal) && RealUserId($"/proc/{record.ProcessId}/status") == OwnUserId.Value;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No such process (or not ours to read): not the server that wrote the record.
            return false;
        }
    }

    /// <summary>
    /// Sends SIGTERM, as Ctrl+C would, so the worker stops its polls and the server closes its database; waits for the
    /// process to end. Returns false when it is still running after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> StopAsync(LocalServerRecord record, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // .NET has no SIGTERM of another process (Process.Kill is SIGKILL, which skips the clean shutdown).
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", record.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is not null)
            {
                await kill.WaitForExitAsync(cancellationToken);
            }
        }

        var clock = Stopwatch.StartNew();
        while (IsRunning(record))
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken);
        }

        return true;
    }

    private static string? RealUserId(string statusFile) =>
        File.ReadLines(statusFile).FirstOrDefault(line => line.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, var real, ..]
            ? real
            : null;
}
