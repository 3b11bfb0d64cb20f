namespace Dstack.Core.Instances;

/// <summary>
/// A shell on a machine: a local bash for this machine, SSH for remote ones. It is all the job protocol needs,
/// so no agent has to be installed on a host: bash, tar and a POSIX userland suffice.
/// </summary>
public interface IInstanceShell : IAsyncDisposable
{
    /// <summary>Gets the folder where dstack keeps jobs and environments on the machine (absolute).</summary>
    string DstackDirectory { get; }

    /// <summary>Runs a bash script (passed on standard input, never interpolated into a command line) and returns its output.</summary>
    Task<ShellResult> RunAsync(string script, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> on the machine, creating parent folders.</summary>
    Task UploadAsync(Stream content, string path, CancellationToken cancellationToken = default);

    /// <summary>Copies the file at <paramref name="path"/> on the machine into <paramref name="destination"/>.</summary>
    Task DownloadAsync(string path, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>Reads bytes of a file from <paramref name="offset"/>; returns 0 at its end or when it does not exist.</summary>
    Task<int> ReadAsync(string path, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Follows the file at <paramref name="path"/>, which may not exist yet: nothing is opened before the first read.</summary>
    IFollowedFile Follow(string path);

    /// <summary>
    /// Waits, at most <paramref name="timeout"/>, until no process holds a lock (<c>flock</c>) on the file at
    /// <paramref name="path"/>: a job's wrapper holds one while the job runs, so its end is known at once instead of at
    /// the next look. Never throws for the machine's sake: a wait it cannot do now is <see cref="LockWait.Unavailable"/>.
    /// </summary>
    Task<LockWait> WaitForUnlockAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default);
}
