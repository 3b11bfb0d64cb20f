using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dstack.Benchmarks.WebUi;
using Dstack.Core.Runs;
using Dstack.TemporalServer.WebUi;
using Dstack.Workflows;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;

// What the Temporal Web UI costs on a dstack server holding many closed runs: the HTTP API routes its workflows page
// calls, and the page itself rendered in Chromium. The server runs in its own process on a SQLite file in a temporary
// folder (as `dstack server` keeps temporal.db), is filled, restarted so it serves what it loads from disk, then measured.
// Usage: WebUiBenchmark [runs] [requests per route] [page loads]
var runCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var pageLoads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
const int FillInFlight = 200;
const int WarmupRequests = 100;
const int PageSize = 20;
const int UiPageSize = 100;
const string Filter = "DstackWorkflow=\"train\"";

// Registered as `dstack server` registers them, from the same keys.
var searchAttributes = DstackSearchAttributes.All.Select(key => $"{key.Name}={key.ValueType}").ToList();
var runs = FilledRun.Make(runCount);
var directory = Directory.CreateTempSubdirectory("dstack-webui-benchmark-").FullName;
var database = Path.Combine(directory, "temporal.db");

// The server admits only calls with a key, as `dstack server` does with server.key (made the same way, mode 0600).
var apiKey = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
var apiKeyFile = Path.Combine(directory, "server.key");
File.WriteAllText(apiKeyFile, apiKey);
if (!OperatingSystem.IsWindows())
{
    File.SetUnixFileMode(apiKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
}
Console.WriteLine(Invariant($"web UI benchmark: {runCount} closed runs, {requests} requests per route, {pageLoads} page loads, {Environment.ProcessorCount} cores, {LoadAverage.Now()}"));
try
{
    using (var filling = await ServerProcess.StartAsync(database, searchAttributes, apiKeyFile))
    {
        var fill = await FillAsync(filling, runs, apiKey);
        Console.WriteLine(Invariant($"fill                {runCount} runs started and closed in {fill.TotalSeconds:F1} s ({runCount / fill.TotalSeconds:F0} runs/s, {FillInFlight} in flight) ({LoadAverage.Now()})"));
        await filling.StopAsync();
    }

    using var server = await ServerProcess.StartAsync(database, searchAttributes, apiKeyFile);
    var size = new[] { database, database + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
    Console.WriteLine(Invariant($"server restart      ready in {server.StartTime.TotalSeconds:F2} s with {runCount} closed runs in a {size / 1024.0 / 1024.0:F0} MB database ({LoadAverage.Now()})"));
    Console.WriteLine(Invariant($"server RSS          {server.ResidentBytes() / 1024.0 / 1024.0:F0} MB after the restart"));

    var train = runs.Where(r => r.WorkflowName == "train").ToList();
    using var http = new HttpClient { BaseAddress = server.HttpApi };
    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
    (string Name, string Path, Action<JsonElement> Check)[] routes =
    [
        ("list, no filter", ListPath(string.Empty, PageSize), body => CheckPage(body, PageSize, _ => true)),
        ("list, filtered", ListPath(Filter, PageSize), body => CheckPage(body, PageSize, e => WorkflowName(e) == "train")),

        // The call the workflows page makes when it opens (UI 2.38): no query and pages of 100.
        ("list as the UI asks", $"api/v1/namespaces/default/workflows?pageSize={UiPageSize}&nextPageToken=", body => CheckPage(body, UiPageSize, _ => true)),
        ("count by status", CountPath("GROUP BY ExecutionStatus"), body => CheckCount(body, runs)),
        ("count, filtered", CountPath(Filter + " GROUP BY ExecutionStatus"), body => CheckCount(body, train)),
    ];

    // Every route is warmed up before any is timed, so the server's code has been through the JIT's second tier (after
    // 30 calls and a quiet 100 ms) as in a server that has been up a while, whichever route comes first.
    foreach (var (_, path, check) in routes)
    {
        using var document = JsonDocument.Parse(await GetAsync(http, path));
        check(document.RootElement);
        for (var i = 0; i < WarmupRequests; i++)
        {
            await GetAsync(http, path);
        }
    }

    await Task.Delay(TimeSpan.FromSeconds(1));
    foreach (var (name, path, _) in routes)
    {
        await MeasureRouteAsync(http, requests, name, path);
    }

    if (server.WebUi is null || server.WebUiLogin is null)
    {
        Console.WriteLine("workflows page      skipped: this build of dstack-temporal-server serves no web UI");
    }
    else
    {
        // The first visitor logs in through the link the server printed; each later one (a new browser context) through a
        // link of its own, which the key makes as `dstack server status` does.
        var printed = server.WebUiLogin;
        Uri NextLogin()
        {
            var link = printed ?? UiLoginToken.CreateUrl(server.WebUi, apiKey, DateTimeOffset.UtcNow);
            printed = null;
            return link;
        }

        var loads = await WorkflowsPageLoads.MeasureAsync(new Uri(server.WebUi, "namespaces/default/workflows"), NextLogin, FilledRun.IdPrefix, PageSize, pageLoads, server.CpuTime);
        Console.WriteLine(Invariant($"page, first load    {Steps(loads.First)} (the first after the server started)"));
        foreach (var load in loads.Loads)
        {
            Console.WriteLine(Invariant($"page, new visitor   {Steps(load)}"));
        }

        foreach (var load in loads.Revisits)
        {
            Console.WriteLine(Invariant($"page, revisit       {Steps(load)}"));
        }

        var median = loads.Loads.First(l => l.RowsRendered == loads.Summary.P50);
        Console.WriteLine("API calls of the median new visitor's load (ms from navigation start):");
        foreach (var call in median.ApiCalls)
        {
            Console.WriteLine(Invariant($"  {call.Started,6:F0} - {call.Answered,6:F0}  {call.Path}"));
        }

        Console.WriteLine(Invariant($"workflows page      new visitor (fresh context): {loads.Summary} from navigation start until {PageSize} rows of runs are in the DOM ({LoadAverage.Now()})"));
        Console.WriteLine(Invariant($"workflows page      revisit (cache warm): {loads.RevisitSummary}"));
    }
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static async Task<TimeSpan> FillAsync(ServerProcess server, IReadOnlyList<FilledRun> runs, string apiKey)
{
    // Plain gRPC on loopback with the key, as dstack connects to its own server (the SDK turns TLS on with a key unless told).
    var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { ApiKey = apiKey, Tls = new TlsOptions { Disabled = true } });
    const string Queue = "webui-benchmark";
    using var worker = new TemporalWorker(client, new TemporalWorkerOptions(Queue) { MaxConcurrentWorkflowTasks = FillInFlight }.AddWorkflow<FinishedRunWorkflow>());
    using var stop = new CancellationTokenSource();
    var running = worker.ExecuteAsync(stop.Token);
    var clock = Stopwatch.StartNew();
    await Parallel.ForEachAsync(runs, new ParallelOptions { MaxDegreeOfParallelism = FillInFlight }, async (run, cancellationToken) =>
    {
        // The attributes `dstack run` starts a run with; the workflow adds the status and backend as a run does.
        var attributes = new SearchAttributeCollection.Builder()
            .Set(DstackSearchAttributes.Workflow, run.WorkflowName)
            .Set(DstackSearchAttributes.Repo, "github.com/example/vision")
            .Set(DstackSearchAttributes.User, "bench")
            .Set(DstackSearchAttributes.Status, RunStatus.Submitted.ToDisplayName())
            .Set(DstackSearchAttributes.Tags, run.Tag is null ? [] : [run.Tag])
            .ToSearchAttributeCollection();
        var handle = await client.StartWorkflowAsync(
            (FinishedRunWorkflow wf) => wf.RunAsync(run.Fails),
            new WorkflowOptions(run.WorkflowId, Queue) { TypedSearchAttributes = attributes });
        try
        {
            await handle.GetResultAsync();
        }
        catch (WorkflowFailedException) when (run.Fails)
        {
        }
    });
    clock.Stop();
    await stop.CancelAsync();
    try
    {
        await running;
    }
    catch (OperationCanceledException)
    {
    }

    return clock.Elapsed;
}

// Sequential requests over one kept-alive connection, as a browser tab reuses its connection.
static async Task MeasureRouteAsync(HttpClient http, int requests, string name, string path)
{
    var timings = new List<double>(requests);
    for (var i = 0; i < requests; i++)
    {
        var clock = Stopwatch.StartNew();
        await GetAsync(http, path);
        timings.Add(clock.Elapsed.TotalMilliseconds);
    }

    Console.WriteLine(Invariant($"{name,-19} {LatencySummary.Of(timings)} ({LoadAverage.Now()})"));
}

static async Task<byte[]> GetAsync(HttpClient http, string path)
{
    using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
    var body = await response.Content.ReadAsByteArrayAsync();
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
    }

    return body;
}

static string ListPath(string query, int pageSize) => $"api/v1/namespaces/default/workflows?query={Uri.EscapeDataString(query)}&pageSize={pageSize}";

static string CountPath(string query) => $"api/v1/namespaces/default/workflow-count?query={Uri.EscapeDataString(query)}";

static void CheckPage(JsonElement body, int pageSize, Func<JsonElement, bool> matches)
{
    var executions = body.GetProperty("executions").EnumerateArray().ToList();
    if (executions.Count != pageSize || !executions.All(matches) || string.IsNullOrEmpty(body.GetProperty("nextPageToken").GetString()))
    {
        throw new InvalidOperationException($"unexpected page: {body}");
    }
}

static string WorkflowName(JsonElement execution)
{
    var payload = execution.GetProperty("searchAttributes").GetProperty("indexedFields").GetProperty("DstackWorkflow");
    return JsonSerializer.Deserialize<string>(Convert.FromBase64String(payload.GetProperty("data").GetString()!))!;
}

static void CheckCount(JsonElement body, IReadOnlyList<FilledRun> expected)
{
    var failed = expected.Count(r => r.Fails);
    var groups = body.GetProperty("groups").EnumerateArray()
        .ToDictionary(g => g.GetProperty("groupValues")[0].GetProperty("data").GetString()!, g => long.Parse(g.GetProperty("count").GetString()!, CultureInfo.InvariantCulture));
    var completedKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("\"Completed\""));
    var failedKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("\"Failed\""));
    if (long.Parse(body.GetProperty("count").GetString()!, CultureInfo.InvariantCulture) != expected.Count
        || groups.Count != 2 || groups.GetValueOrDefault(completedKey) != expected.Count - failed || groups.GetValueOrDefault(failedKey) != failed)
    {
        throw new InvalidOperationException($"unexpected count: {body}");
    }
}

static string Steps(PageLoadTiming t) => Invariant(
    $"rows at {t.RowsRendered:F0} ms: index.html {t.DocumentReceived:F0}, {t.Assets} scripts and styles ({t.AssetKilobytes:F0} KB) by {t.AssetsReceived:F0}, first API call at {t.FirstApiCall:F0}, list asked at {t.ListRequested:F0} and answered by {t.ListAnswered:F0}; main thread busy {t.MainThreadBusy:F0} ms ({t.Scripts:F0} scripts, {t.StyleAndLayout:F0} style and layout); CPU: Chromium {t.BrowserCpu:F0} ms, server {t.ServerCpu:F0} ms");

static string Invariant(FormattableString text) => FormattableString.Invariant(text);
