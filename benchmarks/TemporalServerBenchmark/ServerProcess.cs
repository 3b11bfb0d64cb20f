using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dstack.Benchmarks.TemporalServer;

/// <summary>The embedded server in its own process, so its memory can be read apart from the client's and the worker's.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private readonly bool _owned;

    private ServerProcess(Process process, string address, bool owned = true)
    {
        _process = process;
        Address = address;
        _owned = owned;
    }

    public string Address { get; }

    public static ServerProcess Start(string? existingAddress, string? existingPid, string? database = null)
    {
        if (existingAddress is not null && int.TryParse(existingPid, out var pid))
        {
            return new ServerProcess(Process.GetProcessById(pid), existingAddress, owned: false);
        }

        var port = FreePort.Next();
        var dll = Path.Combine(AppContext.BaseDirectory, "dstack-temporal-server.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "server", "start-dev", "--port", port.ToString(CultureInfo.InvariantCulture), "--headless" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (database is not null)
        {
            info.ArgumentList.Add("--db-filename");
            info.ArgumentList.Add(database);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        var ready = process.StandardOutput.ReadLine();
        if (ready is null || !ready.Contains("running", StringComparison.Ordinal))
        {
            process.Kill(true);
            throw new InvalidOperationException($"server did not start: {ready}");
        }

        return new ServerProcess(process, $"127.0.0.1:{port}");
    }

    /// <summary>Gets the resident set size from /proc, what the kernel charges the process.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return kb * 1024;
    }

    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    public void Dispose()
    {
        if (_owned)
        {
            _process.Kill(true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

}
