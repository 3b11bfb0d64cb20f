using System.Diagnostics;
using Dstack.Core.Instances;

namespace Dstack.Backends.Local;

/// <summary>
/// This machine as an instance: scripts run in <c>/bin/bash -s</c> (the script on standard input, never on a command
/// line), files are read and written directly.
/// </summary>
public sealed class LocalShell : IInstanceShell
{
    private const string Bash = "/bin/bash";

    /// <summary>Creates a shell whose dstack folder is <paramref name="dstackDirectory"/> (created).</summary>
    public LocalShell(string dstackDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dstackDirectory);
        DstackDirectory = Path.GetFullPath(dstackDirectory);
        Directory.CreateDirectory(DstackDirectory);
    }

    /// <inheritdoc />
    public string DstackDirectory { get; }

    /// <summary>Gets the instance folder of a dstack home: <c>$DSTACK_HOME/instance</c>.</summary>
    public static string DirectoryFor(string dstackHome) => Path.Combine(dstackHome, "instance");

    /// <inheritdoc />
    public async Task<ShellResult> RunAsync(string script, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        var start = new ProcessStartInfo(Bash)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DstackDirectory,
        };
        start.ArgumentList.Add("-s");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Bash}.");
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.StandardInput.WriteAsync(script.AsMemory(), cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Bash exited before it read the whole script ('exit', or a failure under 'set -e' before the code
                // archive a preparation script carries): its exit code and error output say why.
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return new ShellResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Only bash itself: its detached children (a started job) must outlive a cancelled call.
            process.Kill(entireProcessTree: false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task UploadAsync(Stream content, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        Directory.CreateDirectory(folder);

        // Through a temporary file and a rename, so that the instance never sees a partial file.
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DownloadAsync(string path, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            await file.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<int> ReadAsync(string path, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await using var file = Follow(path);
        return await file.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IFollowedFile Follow(string path) => new LocalFollowedFile(Path.GetFullPath(path));

    /// <inheritdoc />
    /// <remarks>Through <see cref="RunAsync"/>: bash execs <c>flock</c>, so a cancelled wait kills the <c>flock</c> itself.</remarks>
    public async Task<LockWait> WaitForUnlockAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var result = await RunAsync(LockWaitCommand.CommandLine(Path.GetFullPath(path), timeout), cancellationToken).ConfigureAwait(false);
        return LockWaitCommand.Result(result.ExitCode);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
