using System.CommandLine;
using System.Security.Cryptography;
using Dstack.TemporalServer.Persistence;
using Dstack.TemporalServer.Security;
using Dstack.TemporalServer.Visibility;
using Dstack.TemporalServer.WebUi;
using Microsoft.Extensions.Logging;

namespace Dstack.TemporalServer.Hosting;

/// <summary>
/// The command line of <c>dstack-temporal-server</c>: the Temporal CLI's <c>server start-dev</c> and its arguments, so that
/// <c>WorkflowEnvironment.StartLocalAsync</c> can launch the executable through <c>DevServerOptions.ExistingPath</c> as it
/// launches <c>temporal server start-dev</c>. Lives in the library so that the executable stays a one-line host.
/// </summary>
public static class ServerCommandLine
{
    /// <summary>Builds the root command; <c>server start-dev</c> runs the server until it is stopped.</summary>
    public static RootCommand Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "Port of the frontend gRPC service.", DefaultValueFactory = _ => 7233 };
        var httpPort = new Option<int?>("--http-port") { Description = "Port of the HTTP API service (Temporal's JSON API, which the web UI calls). Default is off." };
        var ip = new Option<string>("--ip") { Description = "IP address to bind.", DefaultValueFactory = _ => "127.0.0.1" };
        var namespaces = new Option<string[]>("--namespace", "-n") { Description = "Namespaces to create (default is always created).", AllowMultipleArgumentsPerToken = false };
        var searchAttributes = new Option<string[]>("--search-attribute") { Description = "Custom search attributes to register, NAME=TYPE." };
        var logLevel = new Option<string>("--log-level") { Description = "debug, info, warn or error.", DefaultValueFactory = _ => "warn" };
        var logFormat = new Option<string>("--log-format") { Description = "Accepted for compatibility; logs are single-line text." };
        var dynamicConfig = new Option<string[]>("--dynamic-config-value")
        {
            Description = "Dynamic config value, as KEY=JSON_VALUE (string values need quotes). Honoured: limit.historyCount.suggestContinueAsNew, limit.historySize.suggestContinueAsNew; other keys are accepted and ignored.",
        };
        var headless = new Option<bool>("--headless") { Description = "Run without the web UI." };
        var uiPort = new Option<int?>("--ui-port") { Description = "Port of the web UI (default: the gRPC port + 1000, as the Temporal CLI)." };
        var uiIp = new Option<string?>("--ui-ip") { Description = "IP address the web UI binds (default: the --ip address)." };
        var dbFile = new Option<string?>("--db-filename", "-f") { Description = "SQLite file that keeps the server's state across restarts; without it the server keeps state in memory like the Temporal CLI." };
        var apiKeyFile = new Option<string?>("--api-key-file")
        {
            Description = "File holding the API key that every call must carry: gRPC as `authorization: Bearer KEY` metadata (the SDKs' ApiKey option), "
                + "the HTTP API as the `Authorization: Bearer KEY` header. The web UI then opens through the one-time link printed at start. "
                + "Only its owner may read the file (chmod 600). Default: no key, every caller is admitted, as by `temporal server start-dev`.",
        };
        var tlsCert = new Option<string?>("--tls-cert-path") { Description = "Serve gRPC and the HTTP API over TLS with this certificate (PEM); needs --tls-key-path." };
        var tlsKey = new Option<string?>("--tls-key-path") { Description = "Private key (PEM) of --tls-cert-path." };
        var tlsClientCa = new Option<string?>("--tls-client-ca-path") { Description = "Require client certificates issued by the CAs in this PEM file (mutual TLS); needs --tls-cert-path." };

        var startDev = new Command("start-dev", "Start a Temporal server for development and tests, in memory or in a SQLite file.")
        {
            port, httpPort, ip, namespaces, searchAttributes, logLevel, logFormat, dynamicConfig, headless, uiPort, uiIp, dbFile,
            apiKeyFile, tlsCert, tlsKey, tlsClientCa,
        };
        startDev.SetAction(async (result, cancellationToken) =>
        {
            var attributes = new Dictionary<string, Temporalio.Api.Enums.V1.IndexedValueType>(StringComparer.Ordinal);
            foreach (var spec in result.GetValue(searchAttributes) ?? [])
            {
                var parts = spec.Split('=', 2);
                if (parts.Length != 2 || SearchAttributeValues.ParseTypeName(parts[1]) is not { } type)
                {
                    await Console.Error.WriteLineAsync($"error: --search-attribute {spec}: expected NAME=TYPE with TYPE one of Text, Keyword, Int, Double, Bool, Datetime, KeywordList.").ConfigureAwait(false);
                    return 2;
                }

                attributes[parts[0]] = type;
            }

            var configValues = new List<DynamicConfigValue>();
            foreach (var spec in result.GetValue(dynamicConfig) ?? [])
            {
                try
                {
                    configValues.Add(DynamicConfigValue.Parse(spec));
                }
                catch (FormatException e)
                {
                    await Console.Error.WriteLineAsync($"error: --dynamic-config-value {e.Message}").ConfigureAwait(false);
                    return 2;
                }
            }

            string? apiKey = null;
            if (result.GetValue(apiKeyFile) is { Length: > 0 } keyFile)
            {
                try
                {
                    apiKey = ReadApiKey(keyFile);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    await Console.Error.WriteLineAsync($"error: --api-key-file {keyFile}: {e.Message}").ConfigureAwait(false);
                    return 2;
                }
            }

            TemporalServerTls? tls = null;
            var (certPath, keyPath, clientCaPath) = (result.GetValue(tlsCert), result.GetValue(tlsKey), result.GetValue(tlsClientCa));
            if (certPath is not null || keyPath is not null || clientCaPath is not null)
            {
                if (string.IsNullOrEmpty(certPath) || string.IsNullOrEmpty(keyPath))
                {
                    await Console.Error.WriteLineAsync("error: TLS needs both --tls-cert-path and --tls-key-path.").ConfigureAwait(false);
                    return 2;
                }

                tls = new TemporalServerTls(certPath, keyPath, string.IsNullOrEmpty(clientCaPath) ? null : clientCaPath);
            }

            var level = result.GetValue(logLevel)?.ToUpperInvariant() switch
            {
                "DEBUG" => LogLevel.Debug,
                "INFO" => LogLevel.Information,
                "ERROR" => LogLevel.Error,
                "FATAL" or "PANIC" => LogLevel.Critical,
                _ => LogLevel.Warning,
            };
            var database = result.GetValue(dbFile) is { Length: > 0 } file ? file : null;

            // As `temporal server start-dev`: the UI listens next to the frontend unless told otherwise; a frontend on a free
            // port (0) gets its UI on a free port too.
            var grpcPort = result.GetValue(port);
            int? webUiPort = result.GetValue(headless) ? null : result.GetValue(uiPort) ?? (grpcPort == 0 ? 0 : Math.Min(grpcPort + 1000, 65535));
            EmbeddedTemporalServer server;
            try
            {
                server = await EmbeddedTemporalServer.StartAsync(
                    result.GetValue(ip)!,
                    grpcPort,
                    options =>
                    {
                        options.DatabasePath = database;
                        options.HttpPort = result.GetValue(httpPort);
                        options.UiPort = webUiPort;
                        options.UiIp = result.GetValue(uiIp) ?? result.GetValue(ip)!;
                        options.ApiKey = apiKey;
                        options.Tls = tls;
                        foreach (var name in result.GetValue(namespaces) ?? [])
                        {
                            options.Namespaces.Add(name);
                        }

                        foreach (var (name, type) in attributes)
                        {
                            options.SearchAttributes[name] = type;
                        }

                        foreach (var value in configValues)
                        {
                            value.ApplyTo(options);
                        }
                    },
                    level,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (ServerStoreException e)
            {
                await Console.Error.WriteLineAsync("error: --db-filename: " + e.Message).ConfigureAwait(false);
                return 1;
            }
            catch (Exception e) when (tls is not null && e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync("error: TLS: " + e.Message).ConfigureAwait(false);
                return 1;
            }

            await using (server.ConfigureAwait(false))
            {
                var state = database is null ? "in memory" : "state in " + Path.GetFullPath(database);
                var security = (tls, apiKey) switch
                {
                    (null, null) => string.Empty,
                    (null, _) => ", API key required",
                    ({ ClientCaPath: null }, null) => ", TLS",
                    ({ ClientCaPath: null }, _) => ", TLS, API key required",
                    (_, null) => ", mutual TLS",
                    _ => ", mutual TLS, API key required",
                };
                await Console.Out.WriteLineAsync($"Temporal server is running at {server.Address} (embedded, {state}{security}).").ConfigureAwait(false);
                if (server.HttpAddress is { } httpAddress)
                {
                    await Console.Out.WriteLineAsync($"HTTP API is serving at {(tls is null ? "http" : "https")}://{httpAddress}.").ConfigureAwait(false);
                }

                if (server.CreateUiLoginUrl() is { } uiAddress)
                {
                    await Console.Out.WriteLineAsync(apiKey is null
                        ? $"Temporal UI: {uiAddress}"
                        : $"Temporal UI: {uiAddress} (opens once, within {UiLoginToken.Lifetime.TotalMinutes:0} minutes)").ConfigureAwait(false);
                }

                await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }

            return 0;
        });

        return new RootCommand("dstack's embedded Temporal server: the Temporal gRPC API for one machine.")
        {
            new Command("server", "Run the server.") { startDev },
        };
    }

    // The key admits to everything the server runs, so a file that others can read is refused rather than trusted.
    private static string ReadApiKey(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode othersMayUse = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            var mode = File.GetUnixFileMode(path);
            if ((mode & othersMayUse) != 0)
            {
                throw new UnauthorizedAccessException(
                    $"other users may read or change it (mode {Convert.ToString((int)mode, 8)}); run `chmod 600 {path}` and start again.");
            }
        }

        var key = File.ReadAllText(path).Trim();
        if (key.Length == 0)
        {
            throw new FormatException("the file is empty.");
        }

        if (!ApiKeyVerifier.IsWellFormed(key))
        {
            throw new FormatException("the key must be printable ASCII without spaces.");
        }

        return key;
    }
}
