using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Dstack.Testing.S3;

/// <summary>
/// A real s3rver (npm, installed into tests/tools by .ci/run) on a free loopback port with a temporary data folder
/// and one bucket. It picks its own port (-p 0) and says which, so starting never races another test for a port.
/// Disposing kills it and deletes the folder; a failed start does the same.
/// </summary>
public sealed partial class S3rver : IAsyncDisposable
{
    /// <summary>Any credentials do for s3rver; these are what the tests sign with.</summary>
    public const string AccessKey = "S3RVER";

    public const string SecretKey = "S3RVER";

    private readonly Process _process;

    private S3rver(Process process, string directory, string bucket, Uri endpoint)
    {
        _process = process;
        Directory = directory;
        Bucket = bucket;
        Endpoint = endpoint;
    }

    /// <summary>Gets the data folder: s3rver keeps bucket/key objects under it.</summary>
    public string Directory { get; }

    public string Bucket { get; }

    public Uri Endpoint { get; }

    /// <summary>
    /// Gets the script that starts s3rver, or null when tests/tools has no node_modules. It is tests/tools/start-s3rver.js,
    /// not s3rver's own bin: that one rewrites an object's ETag file in place, so a GET racing a PUT of the key could be
    /// answered <c>ETag: ""</c>, which real S3 never does (the script says more).
    /// </summary>
    public static string? Script => FindRepoRoot() is { } root && Path.Combine(root, "tests", "tools") is var tools
        && File.Exists(Path.Combine(tools, "node_modules", "s3rver", "bin", "s3rver.js"))
        ? Path.Combine(tools, "start-s3rver.js")
        : null;

    /// <summary>Says why s3rver cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (FindOnPath("node") is null)
        {
            return "node is not installed (apt-get install nodejs npm); .ci/run installs it";
        }

        return Script is null ? "s3rver is not installed: run 'npm ci' in tests/tools (.ci/run does)" : null;
    }

    /// <summary>Starts s3rver with bucket <paramref name="bucket"/> and waits until it listens.</summary>
    public static async Task<S3rver> StartAsync(string bucket = "dstack-test")
    {
        var script = Script ?? throw new InvalidOperationException(Unavailable());
        var directory = Path.Combine(Path.GetTempPath(), "dstack-s3rver-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { script, "-d", directory, "-a", "127.0.0.1", "-p", "0", "--configure-bucket", bucket },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            // Both streams' handlers run on thread-pool threads at once, so every touch of the buffer is locked; an
            // unlocked read here once crashed the test host when stderr appended while a killed s3rver's stdout ended.
            lock (output)
            {
                if (e.Data is null)
                {
                    listening.TrySetException(new InvalidOperationException($"s3rver exited before listening: {output}"));
                    return;
                }

                output.AppendLine(e.Data);
            }

            if (ListeningRegex().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return new S3rver(process, directory, bucket, new Uri($"http://127.0.0.1:{port}"));
        }
        catch
        {
            Stop(process, directory);
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop(_process, Directory);
        return ValueTask.CompletedTask;
    }

    /// <summary>Finds the folder that holds Dstack.sln above the test binaries.</summary>
    public static string? FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dstack.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);

    private static void Stop(Process process, string directory)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own.
        }
        finally
        {
            process.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }

    [GeneratedRegex(@"listening on [^:\s]+:(\d+)")]
    private static partial Regex ListeningRegex();
}
