using System.Diagnostics;
using System.Net.Sockets;
using Dstack.Core.Settings;
using Dstack.Workflows;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Runtime;

namespace Dstack.Cli.Temporal;

/// <summary>
/// Connects to the configured Temporal server. When nothing answers at a local address, it can start
/// <c>dstack server</c> in the background, so the default single-machine setup needs nothing else running
/// (docs/architecture.md#how-the-cli-finds-its-temporal-server).
/// </summary>
internal sealed class TemporalConnector(IAnsiConsole console)
{
    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(30);

    // The SDK's core logs its connection retries as WARN lines on the user's terminal; the CLI says itself, once, what a
    // lost server means for the run, so only the core's errors are left to it.
    private static readonly Lazy<TemporalRuntime> QuietRuntime = new(() => new TemporalRuntime(new TemporalRuntimeOptions
    {
        Telemetry = new TelemetryOptions
        {
            Logging = new LoggingOptions(new TelemetryFilterOptions(TelemetryFilterOptions.Level.Error, TelemetryFilterOptions.Level.Error)),
        },
    }));

    public async Task<ITemporalClient> ConnectAsync(DstackSettings settings, bool startServerIfDown, CancellationToken cancellationToken)
    {
        var address = settings.Temporal.Address;
        var (host, port) = Split(address);
        if (!await IsListeningAsync(host, port, cancellationToken))
        {
            if (!startServerIfDown || !IsLoopback(host))
            {
                throw new TemporalUnavailableException(
                    $"nothing answers at the Temporal address {address}. Start one with `dstack server`, or point DSTACK_TEMPORAL_ADDRESS (or temporal.address in {settings.ConfigFile}) at a running Temporal server.");
            }

            var log = StartBackgroundServer(settings, port);
            var clock = Stopwatch.StartNew();
            while (!await IsListeningAsync(host, port, cancellationToken))
            {
                if (clock.Elapsed > StartupDeadline)
                {
                    throw new TemporalUnavailableException($"started `dstack server` in the background but nothing answered at {address} within {StartupDeadline.TotalSeconds:0} s; see {log}.");
                }

                await Task.Delay(50, cancellationToken);
            }

            // The server records itself (and its Web UI) just after it listens; the run's first lines link that UI.
            var record = await WaitForRecordAsync(settings, clock, cancellationToken);
            var ui = record?.UiUrl is { } url ? $"; Temporal Web UI at {url}" : string.Empty;
            console.MarkupLineInterpolated($"[grey]Started dstack server in the background at {address}{ui} (logs: {log}; stop it with `dstack server stop`).[/]");
        }

        return await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(address)
        {
            Namespace = settings.Temporal.Namespace,
            DataConverter = DstackDataConverter.Instance,
            Runtime = QuietRuntime.Value,
        });
    }

    private static async Task<LocalServerRecord?> WaitForRecordAsync(DstackSettings settings, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (clock.Elapsed < StartupDeadline)
        {
            if (LocalServerRecord.Read(settings.Home) is { } record && LocalServerProcess.IsRunning(record))
            {
                return record;
            }

            await Task.Delay(20, cancellationToken);
        }

        return null;
    }

    private static (string Host, int Port) Split(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address.AsSpan(colon + 1), out var port)
            ? (address[..colon], port)
            : throw new TemporalUnavailableException($"the Temporal address '{address}' is not host:port.");
    }

    private static bool IsLoopback(string host) => host is "127.0.0.1" or "localhost" or "::1" or "[::1]";

    private static async Task<bool> IsListeningAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts <c>dstack server</c> detached from this terminal (its own session, no inherited pipes), so it outlives
    /// this command and never holds the caller's output open.
    /// </summary>
    private static string StartBackgroundServer(DstackSettings settings, int port)
    {
        var log = Path.Combine(settings.Home, "server.log");
        Directory.CreateDirectory(settings.Home);
        var self = Environment.ProcessPath ?? throw new TemporalUnavailableException("cannot find the dstack executable to start the server.");
        var info = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec setsid \"$@\" server --port \"$PORT\" >>\"$LOG\" 2>&1 </dev/null &", "sh" },
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(self);
            info.ArgumentList.Add(typeof(TemporalConnector).Assembly.Location);
        }
        else
        {
            info.ArgumentList.Add(self);
        }

        info.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["LOG"] = log;
        using var shell = Process.Start(info) ?? throw new TemporalUnavailableException("could not start `dstack server`.");
        shell.WaitForExit();
        return log;
    }
}
