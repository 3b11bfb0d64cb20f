using System.Diagnostics;
using Dstack.Core.Instances;

namespace Dstack.Backends.Local.Tests;

/// <summary>
/// A local shell whose scripts run in a process group of their own (<c>setsid bash -s</c>), which a test can then kill
/// with SIGKILL to play a worker that dies after starting a job.
/// </summary>
public sealed class StarterShell(LocalShell inner) : IInstanceShell
{
    public List<int> StarterGroups { get; } = [];

    public string DstackDirectory => inner.DstackDirectory;

    public async Task<ShellResult> RunAsync(string script, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("/bin/bash");
        start.ArgumentList.Add("-s");
        using var process = Process.Start(start)!;
        StarterGroups.Add(process.Id); // setsid execs bash in place (the child of dotnet is no group leader): pid = group id
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        return new ShellResult(process.ExitCode, await output, await error);
    }

    public Task UploadAsync(Stream content, string path, CancellationToken cancellationToken = default) => inner.UploadAsync(content, path, cancellationToken);

    public Task DownloadAsync(string path, Stream destination, CancellationToken cancellationToken = default) => inner.DownloadAsync(path, destination, cancellationToken);

    public Task<int> ReadAsync(string path, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(path, offset, buffer, cancellationToken);

    public IFollowedFile Follow(string path) => inner.Follow(path);

    public Task<LockWait> WaitForUnlockAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default) => inner.WaitForUnlockAsync(path, timeout, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
