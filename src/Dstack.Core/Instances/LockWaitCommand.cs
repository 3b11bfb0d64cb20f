using System.Globalization;

namespace Dstack.Core.Instances;

/// <summary>
/// The <c>flock</c> command line behind <see cref="IInstanceShell.WaitForUnlockAsync"/>, the same on every machine: a
/// shared lock taken (and let go at once) as soon as the holder of the exclusive one lets go.
/// </summary>
public static class LockWaitCommand
{
    /// <summary>
    /// Gets the command line: a shared lock on <paramref name="path"/>, waiting at most <paramref name="timeout"/>; the shell
    /// opens the file and becomes <c>flock</c> on that descriptor, one process in all (the form with a file name starts a
    /// command under the lock, a second process). A missing file is an error (2), never created: the job's start creates
    /// <c>job.lock</c> exclusively to claim the job, and a wait that made it first would stop the job from starting.
    /// </summary>
    public static string CommandLine(string path, TimeSpan timeout) =>
        string.Create(CultureInfo.InvariantCulture, $"exec 8< {ShellQuoting.Quote(path)} || exit 2; exec flock -s -w {Math.Max(0.001, timeout.TotalSeconds):0.###} 8");

    /// <summary>Reads <c>flock</c>'s exit status: 0 once locked (so free), 1 when the time was up, anything else an error.</summary>
    public static LockWait Result(int exitStatus) => exitStatus switch
    {
        0 => LockWait.Unlocked,
        1 => LockWait.TimedOut,
        _ => LockWait.Unavailable,
    };
}
