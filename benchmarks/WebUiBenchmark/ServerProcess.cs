using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Dstack.Benchmarks.WebUi;

/// <summary>
/// <c>dstack-temporal-server</c> in its own process on free ports, with its HTTP API and, when the build has it, the
/// web UI; its banner on standard output gives the addresses. It requires an API key, as <c>dstack server</c> does, so
/// what is measured includes the key's check on every call and the UI's session cookie.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, TimeSpan startTime, string address, Uri httpApi, Uri? webUi, Uri? webUiLogin)
    {
        _process = process;
        StartTime = startTime;
        Address = address;
        HttpApi = httpApi;
        WebUi = webUi;
        WebUiLogin = webUiLogin;
    }

    /// <summary>Gets how long the server took from the process's start until it served the gRPC and HTTP APIs.</summary>
    public TimeSpan StartTime { get; }

    /// <summary>Gets the gRPC address, <c>host:port</c>.</summary>
    public string Address { get; }

    /// <summary>Gets the base address of the HTTP API.</summary>
    public Uri HttpApi { get; }

    /// <summary>Gets the web UI's address, or null when this build of the server has no UI.</summary>
    public Uri? WebUi { get; }

    /// <summary>Gets the one-time login link the server printed for its web UI, or null without a UI.</summary>
    public Uri? WebUiLogin { get; }

    /// <summary>
    /// Starts the server on <paramref name="database"/> with custom search attributes given as NAME=TYPE, admitting only
    /// calls with the key in <paramref name="apiKeyFile"/>.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string database, IEnumerable<string> searchAttributes, string apiKeyFile)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "dstack-temporal-server.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "server", "start-dev", "--port", "0", "--http-port", "0", "--db-filename", database, "--api-key-file", apiKeyFile },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var attribute in searchAttributes)
        {
            info.ArgumentList.Add("--search-attribute");
            info.ArgumentList.Add(attribute);
        }

        var clock = Stopwatch.StartNew();
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        try
        {
            var lines = Channel.CreateUnbounded<string>();
            _ = DrainAsync(process, lines.Writer);

            // Loading a large database comes before the banner, so the first line may take a while.
            using var banner = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var address = After(await ReadUntilAsync(lines.Reader, "Temporal server is running at ", banner.Token), "running at ").Split(' ')[0];
            var httpApi = new Uri(After(await ReadUntilAsync(lines.Reader, "HTTP API is serving at ", banner.Token), "serving at ").TrimEnd('.'));
            var startTime = clock.Elapsed;

            // A server built with the UI prints its login link right after the HTTP API's address ("Temporal UI: URL (opens
            // once, ...)"); one built without it prints nothing more.
            Uri? login = null;
            using var uiLine = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                login = new Uri(After(await ReadUntilAsync(lines.Reader, "Temporal UI: ", uiLine.Token), "Temporal UI: ").Split(' ')[0]);
            }
            catch (OperationCanceledException)
            {
            }

            var webUi = login is null ? null : new Uri(login.GetLeftPart(UriPartial.Path));
            return new ServerProcess(process, startTime, address, httpApi, webUi, login);
        }
        catch
        {
            process.Kill(true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Gets the resident set size from /proc, what the kernel charges the process.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Gets the CPU time the server has used so far.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>Stops the server with SIGTERM, as <c>dstack server stop</c> does, so it closes its database cleanly.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) ?? throw new InvalidOperationException("could not run kill"))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static async Task DrainAsync(Process process, ChannelWriter<string> lines)
    {
        // Read to the end, so log lines never fill the pipe and block the server.
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            await lines.WriteAsync(line);
        }

        lines.Complete();
    }

    private static async Task<string> ReadUntilAsync(ChannelReader<string> lines, string marker, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await lines.WaitToReadAsync(cancellationToken))
            {
                throw new InvalidOperationException($"the server exited before printing '{marker}'");
            }

            var line = await lines.ReadAsync(cancellationToken);
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    private static string After(string line, string marker) => line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
}
