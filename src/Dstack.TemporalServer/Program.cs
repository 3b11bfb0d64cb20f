using System.CommandLine;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.Persistence;
using Dstack.TemporalServer.Visibility;
using Microsoft.Extensions.Logging;

// Accepts the Temporal CLI's dev-server arguments, so WorkflowEnvironment.StartLocalAsync can launch this
// executable through DevServerOptions.ExistingPath as it launches `temporal server start-dev`.
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

var startDev = new Command("start-dev", "Start a Temporal server for development and tests, in memory or in a SQLite file.")
{
    port, httpPort, ip, namespaces, searchAttributes, logLevel, logFormat, dynamicConfig, headless, uiPort, uiIp, dbFile,
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

    await using (server.ConfigureAwait(false))
    {
        await Console.Out.WriteLineAsync($"Temporal server is running at {server.Address} (embedded, {(database is null ? "in memory" : "state in " + Path.GetFullPath(database))}).").ConfigureAwait(false);
        if (server.HttpAddress is { } httpAddress)
        {
            await Console.Out.WriteLineAsync($"HTTP API is serving at http://{httpAddress}.").ConfigureAwait(false);
        }

        if (server.UiAddress is not null)
        {
            await Console.Out.WriteLineAsync($"Temporal UI: {server.UiAddress}").ConfigureAwait(false);
        }

        await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    return 0;
});

var root = new RootCommand("dstack's embedded Temporal server: the Temporal gRPC API for one machine.")
{
    new Command("server", "Run the server.") { startDev },
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
