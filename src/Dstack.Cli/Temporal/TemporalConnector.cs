using System.Diagnostics;
using System.Net.Sockets;
using Dstack.Core.Settings;
using Dstack.Workflows.Connection;
using Polly;
using Polly.Retry;
using Spectre.Console;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Runtime;

namespace Dstack.Cli.Temporal;

/// <summary>
/// Connects to the configured Temporal server. When nothing answers at a local address, it can start
/// <c>dstack server</c> in the background, so the default single-machine setup needs nothing else running
/// (docs/architecture.md#how-the-cli-finds-its-temporal-server).
/// </summary>
internal sealed class TemporalConnector(IAnsiConsole console, TimeProvider time)
{
    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StartupPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RecordPollInterval = TimeSpan.FromMilliseconds(20);

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
        var address = LocalServerAddress.Resolve(settings);
        var (host, port) = Split(address);
        var me = ServerOwner.Of(settings);
        string? taken = null;
        if (await IsListeningAsync(host, port, cancellationToken))
        {
            // This folder's server key goes to this folder's running server alone; any other server gets what is configured.
            var temporal = OwnServer.ConnectSettings(settings, address);
            var client = await ConnectClientAsync(temporal);
            var (owner, refused) = await ReadOwnerAsync(client, settings, cancellationToken);
            if (refused is not null && temporal.ApiKey is not null)
            {
                var message = OwnServer.At(settings, address) is not null
                    ? KeyRefusedMessage(settings, address)
                    : TemporalConnectionFailure.Describe(refused, temporal);
                throw new CommandException(message, ExitCodes.ConfigOrUsage);
            }

            if (refused is null && (owner is null || owner.Serves(me)))
            {
                return client;
            }

            if (!settings.Temporal.AddressIsDefault)
            {
                // A server that refuses a folder without a key is another user's dstack server or a secured Temporal: both are said.
                var message = owner is not null ? ForeignServerMessage(settings, address, owner, me)
                    : refused is not null ? $"{NotYoursMessage(settings, address)} If it is a secured Temporal server instead: {TemporalConnectionFailure.Describe(refused, settings.Temporal)}"
                    : NotYoursMessage(settings, address);
                throw new CommandException(message, ExitCodes.ConfigOrUsage);
            }

            if (!startServerIfDown)
            {
                throw new TemporalUnavailableException(
                    $"no dstack server of yours runs: the one at {address} is {Whose(owner)}. `dstack run` starts yours at a port of its own, as does `dstack server`.");
            }

            // The default address is every user's; another's server holds it, so this folder's server gets a port of its own.
            port = LocalServerAddress.FindSparePort(LoopbackIp(host));
            taken = $"; {address} is {Whose(owner)}";
            address = $"{host}:{port}";
        }
        else if (!startServerIfDown || !IsLoopback(host))
        {
            throw new TemporalUnavailableException(
                $"nothing answers at the Temporal address {address}. Start one with `dstack server`, or point DSTACK_TEMPORAL_ADDRESS (or temporal.address in {settings.ConfigFile}) at a running Temporal server.");
        }

        var log = StartBackgroundServer(settings, port);
        var startedAt = time.GetTimestamp();
        if (!await StartupWait(startedAt).ExecuteAsync(token => new ValueTask<bool>(IsListeningAsync(host, port, token)), cancellationToken))
        {
            throw new TemporalUnavailableException($"started `dstack server` in the background but nothing answered at {address} within {StartupDeadline.TotalSeconds:0} s; see {log}.");
        }

        // The server records itself (and its Web UI) just after it listens; the run's first lines link that UI. Only a
        // record of this folder's server at this very address shows that what listens is the server just started: then,
        // and only then, its key goes there. Anything else took the port first (two users' first commands raced for it),
        // and gets neither the key nor the run.
        var record = await WaitForRecordAsync(settings, startedAt, cancellationToken);
        if (record is null || !LocalServerAddress.Same(record.Address, address))
        {
            throw new TemporalUnavailableException($"started `dstack server` in the background, but what answers at {address} is not it: another process took the port while it started (see {log}); run the command again.");
        }

        var started = await ConnectClientAsync(OwnServer.WithKey(settings.Temporal, record.Address, ServerKey.Read(settings.Home)));
        if (await ReadOwnerAsync(started, settings, cancellationToken) is var (other, otherRefused) && (otherRefused is not null || (other is not null && !other.Serves(me))))
        {
            throw new TemporalUnavailableException($"{Whose(other)} dstack server took {address} while yours started (see {log}); run the command again.");
        }

        var ui = record.UiUrl is { } url ? $"; Temporal Web UI at {url}" : string.Empty;
        console.MarkupLineInterpolated($"[grey]Started dstack server in the background at {address}{taken}{ui} (logs: {log}; stop it with `dstack server stop`).[/]");
        return started;
    }

    /// <summary>
    /// Connects; a refused certificate, or TLS on one side only, ends the command with one line that names the setting to
    /// check (exit 2: the configuration is wrong), never the SDK's text. The credentials are checked by the owner probe
    /// next, which tells another user's dstack server from a wrong key.
    /// </summary>
    private static async Task<TemporalClient> ConnectClientAsync(TemporalSettings temporal)
    {
        try
        {
            return await TemporalClientFactory.ConnectAsync(temporal, QuietRuntime.Value, checkCredentials: false);
        }
        catch (TemporalConnectionException e)
        {
            throw new CommandException(e.Message, ExitCodes.ConfigOrUsage);
        }
    }

    /// <summary>
    /// Reads whose dstack server answers: its owner, or null for a server that says nothing of it (real Temporal); and
    /// whether it refused the call for want of its key, as a dstack server does to every user but its owner.
    /// </summary>
    private static async Task<(ServerOwner? Owner, RpcException? Refused)> ReadOwnerAsync(TemporalClient client, DstackSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            var described = await client.WorkflowService.DescribeNamespaceAsync(
                new DescribeNamespaceRequest { Namespace = settings.Temporal.Namespace }, new RpcOptions { CancellationToken = cancellationToken });
            return (ServerOwner.Read(described.NamespaceInfo.Data), null);
        }
        catch (RpcException e) when (e.Code is RpcException.StatusCode.Unauthenticated or RpcException.StatusCode.PermissionDenied)
        {
            return (null, e);
        }
        catch (RpcException)
        {
            // A namespace the server lacks, or a server that cannot describe it: the command's own calls say so next.
            return (null, null);
        }
    }

    /// <summary>Whose a server is, for a message: the owner it names, or, when it admits only its owner, someone else.</summary>
    private static string Whose(ServerOwner? owner) => owner is null ? "another user's" : $"{owner.User}'s";

    private static string ForeignServerMessage(DstackSettings settings, string address, ServerOwner owner, ServerOwner me) =>
        $"the dstack server at {address} is not yours: it is {owner.User}'s on {owner.Host}, for the dstack folder {owner.Home} with storage {owner.Storage}. "
        + $"Runs sent to it would run with that storage, not yours ({me.Storage}). " + PointAtYours(settings);

    // Without the key nothing of the server can be read, whose it is included: only that it admits someone else.
    private static string NotYoursMessage(DstackSettings settings, string address) =>
        $"the dstack server at {address} is not yours: it admits only its owner, and this dstack folder has not its key "
        + "(it is another user's server, or another dstack folder's). " + PointAtYours(settings);

    private static string PointAtYours(DstackSettings settings) =>
        $"Point DSTACK_TEMPORAL_ADDRESS (or temporal.address in {settings.ConfigFile}) at your own server (`dstack server --port PORT` starts one), "
        + "or leave both unset and dstack starts yours at a free port.";

    private static string KeyRefusedMessage(DstackSettings settings, string address) =>
        $"the dstack server at {address} refused this dstack folder's key ({ServerKey.PathIn(settings.Home)}), which changed after it started; restart it: `dstack server stop`, then `dstack server`.";

    private static string LoopbackIp(string host) => host is "localhost" ? "127.0.0.1" : host.Trim('[', ']');

    /// <summary>
    /// Asks again, <see cref="StartupPollInterval"/> apart, while the server started at <paramref name="startedAt"/> (a
    /// timestamp of the clock) does not answer yet and <see cref="StartupDeadline"/> has not passed; it gives false then.
    /// </summary>
    private ResiliencePipeline<bool> StartupWait(long startedAt) =>
        new ResiliencePipelineBuilder<bool> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome is { Exception: null, Result: false } && time.GetElapsedTime(startedAt) <= StartupDeadline),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                Delay = StartupPollInterval,
                UseJitter = false,
            })
            .Build();

    private async Task<LocalServerRecord?> WaitForRecordAsync(DstackSettings settings, long startedAt, CancellationToken cancellationToken)
    {
        while (time.GetElapsedTime(startedAt) < StartupDeadline)
        {
            if (LocalServerRecord.Read(settings.Home) is { } record && LocalServerProcess.IsRunning(record))
            {
                return record;
            }

            await Task.Delay(RecordPollInterval, time, cancellationToken);
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
        try
        {
            // The server prints its Web UI's login links, which admit to it, into this log: a file for this user alone,
            // made so before the shell appends to it (an older log, from before there were links, is closed too).
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (new FileStream(log, options))
            {
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(log, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TemporalUnavailableException($"cannot start `dstack server` in the background: its log {log}: {e.Message}");
        }

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
